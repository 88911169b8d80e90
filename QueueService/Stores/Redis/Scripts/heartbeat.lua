--[[ heartbeat: renews the lease held by the caller to now + leaseMs (processing -> processing), but never
  past its ceiling, startedAt + ceilingMs (MaxProcessingTime + LeaseCeilingGrace): a hung handler's worker
  heartbeats forever, so its lease must run out on its own for the reaper to take the task back.
  keys:    @ns (namespace prefix) @taskKey
  args:    @leaseToken @leaseMs @ceilingMs
  returns: {0, leaseExpiresAtMs, cancelRequested 1|0, capped 1|0} | {-1} not found | {-6} lease not held (StoreError) ]]
-- #include common
local code = checkLease(@taskKey, @leaseToken)
if code ~= 0 then return { code } end
local now = nowMs()
local f = call('HMGET', @taskKey, 'id', 'type', 'cancelRequested', 'startedAt')
local ceiling = (tonumber(f[4]) or now) + tonumber(@ceilingMs)
local expires = now + tonumber(@leaseMs)
local capped = 0
if expires > ceiling then
  expires = ceiling
  capped = 1
end
call('HSET', @taskKey, 'leaseExpiresAt', expires)
moveIndex(@ns, f[1], f[2], nil, 'processing', expires)
return { 0, expires, f[3] == '1' and 1 or 0, capped }
