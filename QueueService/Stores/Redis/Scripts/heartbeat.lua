--[[ heartbeat: renews the lease held by the caller to now + leaseMs (processing -> processing), but never
  past its ceiling, startedAt + ceilingMs (MaxProcessingTime + LeaseCeilingGrace): a hung handler's worker
  heartbeats forever, so its lease must run out on its own for the reaper to take the task back.
  keys:    @ns (namespace prefix) @taskKey
  args:    @leaseToken @leaseMs @ceilingMs
  returns: {0, leaseExpiresAtMs, cancelRequested 1|0, capped 1|0} | {-1} not found | {-6} lease not held (StoreError) ]]
-- #include common
-- The check reads the fields too: f[1] status, f[2] leaseToken, then id, type, cancelRequested, startedAt.
local code, f = checkLease(@taskKey, @leaseToken, 'id', 'type', 'cancelRequested', 'startedAt')
if code ~= 0 then return { code } end
local now = nowMs()
local ceiling = (tonumber(f[6]) or now) + tonumber(@ceilingMs)
local expires = now + tonumber(@leaseMs)
local capped = 0
if expires > ceiling then
  expires = ceiling
  capped = 1
end
call('HSET', @taskKey, 'leaseExpiresAt', expires)
moveIndex(@ns, f[3], f[4], nil, 'processing', expires)
return { 0, expires, f[5] == '1' and 1 or 0, capped }
