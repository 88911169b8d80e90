--[[ heartbeat: renews the lease held by the caller to now + leaseMs (processing -> processing).
  keys:    @ns (namespace prefix) @taskKey
  args:    @leaseToken @leaseMs
  returns: {0, leaseExpiresAtMs, cancelRequested 1|0} | {-1} not found | {-6} lease not held (StoreError) ]]
-- #include common
local code = checkLease(@taskKey, @leaseToken)
if code ~= 0 then return { code } end
local now = nowMs()
local expires = now + tonumber(@leaseMs)
local f = call('HMGET', @taskKey, 'id', 'type', 'cancelRequested')
call('HSET', @taskKey, 'leaseExpiresAt', expires)
moveIndex(@ns, f[1], f[2], nil, 'processing', expires)
return { 0, expires, f[3] == '1' and 1 or 0 }
