--[[ confirmCancel: the lease holder stopped because a cancel was requested: processing -> cancelled.
  keys:    @ns (namespace prefix) @taskKey
  args:    @leaseToken
  events:  cancelled (n, w)
  returns: {0} | {-1} not found | {-6} lease not held (StoreError) ]]
-- #include common
-- The check reads the fields too: f[1] status, f[2] leaseToken, then id, type, attempts, workerId.
local code, f = checkLease(@taskKey, @leaseToken, 'id', 'type', 'attempts', 'workerId')
if code ~= 0 then return { code } end
local now = nowMs()
clearLease(@taskKey)
call('HSET', @taskKey, 'status', 'cancelled', 'completedAt', now, 'updatedAt', now)
moveIndex(@ns, f[3], f[4], 'processing', 'cancelled', now)
local event = emit('cancelled', f[3], f[4], 'cancelled', now)
event.n = tonumber(f[5])
event.w = f[6]
publishEvents(@ns)
return { 0 }
