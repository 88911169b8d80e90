--[[ reapExpired: reclaims up to maxTasks processing tasks whose lease expired (leaseExpiresAt <= now).
  A lost lease (the attempt ran for less than maxProcessingMs): -> cancelled when a cancel was pending;
  -> queued at the original place (old sequence) when attempts <= maxRetries; -> failed otherwise; a
  lease-expired history entry reading expiredBefore .. workerId .. expiredAfter.
  A time-out (the attempt ran for maxProcessingMs or longer: its lease reached its ceiling, see heartbeat)
  is a failure like fail.lua's: -> cancelled when a cancel was pending; -> scheduled, due now + the backoff
  of its attempt (retryDelaysMs: comma-separated, the n-th for attempt n, the last for any later one),
  when attempts <= maxRetries; -> failed otherwise; a timeout entry reading timedOutBefore .. workerId ..
  timedOutAfter. The worker is unknownWorker when none is recorded.
  An orphan (an id whose task hash is gone) is dropped from the indexes before anything is written.
  keys:    @ns (namespace prefix)
  args:    @maxTasks @expiredBefore @expiredAfter @unknownWorker @maxProcessingMs @timedOutBefore @timedOutAfter @retryDelaysMs
  events:  lost lease: queued | failed | cancelled; time-out: retried (with due) | failed | cancelled; each
           with n, w and e (the history entry)
  returns: {orphans dropped, then 6 per reclaimed task: id, type, workerId, attempt, newStatus, timedOut 1|0} ]]
-- #include common
local ns = @ns
local now = nowMs()
local maxProcessingMs = tonumber(@maxProcessingMs)
local retryDelays = {}
for ms in string.gmatch(@retryDelaysMs, '[^,]+') do retryDelays[#retryDelays + 1] = tonumber(ms) end

-- f: type, workerId, attempts, maxRetries, cancelRequested, priority, seq, startedAt (type checked present).
local function reap(id, f)
  local taskKey = ns .. 't:' .. id
  local taskType, workerId = f[1], f[2]
  if not workerId or workerId == '' then workerId = @unknownWorker end
  local attempts = tonumber(f[3])
  local timedOut = now - (tonumber(f[8]) or now) >= maxProcessingMs
  local message, kind
  if timedOut then
    message, kind = @timedOutBefore .. workerId .. @timedOutAfter, 'timeout'
  else
    message, kind = @expiredBefore .. workerId .. @expiredAfter, 'lease-expired'
  end
  addError(taskKey, attempts, message, kind, now)
  clearLease(taskKey)
  local status, eventKind, due
  if f[5] == '1' then
    status = 'cancelled'
    call('HSET', taskKey, 'status', status, 'completedAt', now, 'updatedAt', now)
    moveIndex(ns, id, taskType, 'processing', status, now)
  elseif attempts <= tonumber(f[4]) and timedOut then
    status, eventKind = 'scheduled', 'retried'
    due = now + (retryDelays[math.min(math.max(attempts, 1), #retryDelays)] or 0)
    call('HSET', taskKey, 'status', status, 'scheduledFor', due, 'updatedAt', now)
    moveIndex(ns, id, taskType, 'processing', status, due)
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
  local event = emit(eventKind or status, id, taskType, status, now)
  event.n = attempts
  event.w = workerId
  event.e = message
  if due then event.due = due end
  return { id, taskType, workerId, attempts, status, timedOut and 1 or 0 }
end

local expired = call('ZRANGEBYSCORE', ns .. 's:processing', '-inf', fmt(now), 'LIMIT', 0, tonumber(@maxTasks))
local out = { 0 }
for i = 1, #expired do
  local id = expired[i]
  local f = call('HMGET', ns .. 't:' .. id, 'type', 'workerId', 'attempts', 'maxRetries', 'cancelRequested', 'priority', 'seq', 'startedAt')
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
