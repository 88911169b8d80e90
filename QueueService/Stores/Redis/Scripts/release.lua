--[[ release: the lease holder hands the task back unfinished. processing -> queued at its
  original place (its old sequence); -> cancelled when a cancel was requested. Either way the
  attempt does not count (attempts - 1): the worker stopped it, the task did not fail.
  keys:    @ns (namespace prefix) @taskKey
  args:    @leaseToken
  events:  queued | cancelled (n the attempt handed back, w)
  returns: {0, newStatus} | {-1} not found | {-6} lease not held (StoreError) ]]
-- #include common
-- The check reads the fields too: f[1] status, f[2] leaseToken, then id, type, priority, seq, cancelRequested, attempts, workerId.
local code, f = checkLease(@taskKey, @leaseToken, 'id', 'type', 'priority', 'seq', 'cancelRequested', 'attempts', 'workerId')
if code ~= 0 then return { code } end
local now = nowMs()
local id, taskType = f[3], f[4]
clearLease(@taskKey)
call('HINCRBY', @taskKey, 'attempts', -1)
local status = f[7] == '1' and 'cancelled' or 'queued'
-- The event names the attempt handed back (f[8], before the decrement), though it no longer counts.
local event = emit(status, id, taskType, status, now)
event.n = tonumber(f[8])
event.w = f[9]
if status == 'cancelled' then
  call('HSET', @taskKey, 'status', 'cancelled', 'completedAt', now, 'updatedAt', now)
  moveIndex(@ns, id, taskType, 'processing', 'cancelled', now)
  publishEvents(@ns)
  return { 0, 'cancelled' }
end
call('HSET', @taskKey, 'status', 'queued', 'updatedAt', now)
moveIndex(@ns, id, taskType, 'processing', 'queued', runScore(f[5], f[6]))
call('PUBLISH', @ns .. 'wake', taskType)
publishEvents(@ns)
return { 0, 'queued' }
