--[[ reapExpired: reclaims up to maxTasks processing tasks whose lease expired (leaseExpiresAt <= now):
  -> cancelled when a cancel was pending; -> queued at the original place (old sequence) when
  attempts <= maxRetries; -> failed otherwise. Each gets a lease-expired history entry naming the worker.
  An orphan (an id whose task hash is gone) is dropped from the indexes before anything is written.
  The entry reads expiredBefore .. workerId .. expiredAfter (the worker unknownWorker when none).
  keys:    @ns (namespace prefix)
  args:    @maxTasks @expiredBefore @expiredAfter @unknownWorker
  events:  queued | failed | cancelled per reclaimed task, with n, w and e (the history entry)
  returns: {orphans dropped, then 5 per reclaimed task: id, type, workerId, attempt, newStatus} ]]
-- #include common
local ns = @ns
local now = nowMs()

-- f: type, workerId, attempts, maxRetries, cancelRequested, priority, seq (type checked present).
local function reap(id, f)
  local taskKey = ns .. 't:' .. id
  local taskType, workerId = f[1], f[2]
  if not workerId or workerId == '' then workerId = @unknownWorker end
  local attempts = tonumber(f[3])
  local message = @expiredBefore .. workerId .. @expiredAfter
  addError(taskKey, attempts, message, 'lease-expired', now)
  clearLease(taskKey)
  local status
  if f[5] == '1' then
    status = 'cancelled'
    call('HSET', taskKey, 'status', status, 'completedAt', now, 'updatedAt', now)
    moveIndex(ns, id, taskType, 'processing', status, now)
  elseif attempts <= tonumber(f[4]) then
    status = 'queued'
    call('HSET', taskKey, 'status', status, 'updatedAt', now)
    moveIndex(ns, id, taskType, 'processing', status, runScore(f[6], f[7]))
    call('PUBLISH', ns .. 'wake', taskType)
  else
    status = 'failed'
    call('HSET', taskKey, 'status', status, 'completedAt', now, 'updatedAt', now)
    call('HINCRBY', ns .. 'stats', 'failed:' .. taskType, 1)
    moveIndex(ns, id, taskType, 'processing', status, now)
  end
  local event = emit(status, id, taskType, status, now)
  event.n = attempts
  event.w = workerId
  event.e = message
  return { id, taskType, workerId, attempts, status }
end

local expired = call('ZRANGEBYSCORE', ns .. 's:processing', '-inf', fmt(now), 'LIMIT', 0, tonumber(@maxTasks))
local out = { 0 }
for i = 1, #expired do
  local id = expired[i]
  local f = call('HMGET', ns .. 't:' .. id, 'type', 'workerId', 'attempts', 'maxRetries', 'cancelRequested', 'priority', 'seq')
  if f[1] then
    local row = reap(id, f)
    for j = 1, #row do out[#out + 1] = row[j] end
  else
    dropOrphan(ns, id, ns .. 's:processing')
    out[1] = out[1] + 1
  end
end
publishEvents(ns)
return out
