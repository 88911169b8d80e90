--[[ confirmCancel: the lease holder stopped because a cancel was requested: processing -> cancelled.
  keys:    @ns (namespace prefix) @taskKey
  args:    @leaseToken
  events:  cancelled (n, w)
  returns: {0} | {-1} not found | {-6} lease not held (StoreError) ]]
-- #include common
local code = checkLease(@taskKey, @leaseToken)
if code ~= 0 then return { code } end
local now = nowMs()
local f = call('HMGET', @taskKey, 'id', 'type', 'attempts', 'workerId')
clearLease(@taskKey)
call('HSET', @taskKey, 'status', 'cancelled', 'completedAt', now, 'updatedAt', now)
moveIndex(@ns, f[1], f[2], 'processing', 'cancelled', now)
local event = emit('cancelled', f[1], f[2], 'cancelled', now)
event.n = tonumber(f[3])
event.w = f[4]
publishEvents(@ns)
return { 0 }
