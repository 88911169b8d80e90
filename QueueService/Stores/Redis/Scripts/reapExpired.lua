--[[ reapExpired: reclaims up to maxTasks processing tasks whose lease expired (leaseExpiresAt <= now):
  -> cancelled when a cancel was pending; -> queued at the original place (old sequence) when
  attempts <= maxRetries; -> failed otherwise. Each gets a lease-expired history entry naming the worker.
  keys:    @ns (namespace prefix)
  args:    @maxTasks
  returns: 5 per reclaimed task: id, type, workerId, attempt, newStatus ]]
-- #include common
local ns = @ns
local now = nowMs()
local expired = call('ZRANGEBYSCORE', ns .. 's:processing', '-inf', fmt(now), 'LIMIT', 0, tonumber(@maxTasks))
local out = {}
for i = 1, #expired do
  local id = expired[i]
  local taskKey = ns .. 't:' .. id
  local f = call('HMGET', taskKey, 'type', 'workerId', 'attempts', 'maxRetries', 'cancelRequested', 'priority', 'seq')
  local taskType, workerId = f[1], f[2] or ''
  local attempts = tonumber(f[3])
  addError(taskKey, attempts, 'the lease of worker ' .. workerId .. ' expired', 'lease-expired', now)
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
  local o = #out
  out[o + 1] = id
  out[o + 2] = taskType
  out[o + 3] = workerId
  out[o + 4] = attempts
  out[o + 5] = status
end
return out
