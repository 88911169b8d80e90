--[[ progress: records the lease holder's progress (processing -> processing); updatedAt = now.
  An empty message or details clears that field.
  Publishes a progress event (percent and message; details stay in the hash).
  keys:    @ns (namespace prefix) @taskKey
  args:    @leaseToken @percent @message @details
  events:  progress (n, w, p, m)
  returns: {0} | {-1} not found | {-6} lease not held (StoreError) ]]
-- #include common
-- The check reads the fields too: f[1] status, f[2] leaseToken, then id, type, attempts, workerId.
local code, f = checkLease(@taskKey, @leaseToken, 'id', 'type', 'attempts', 'workerId')
if code ~= 0 then return { code } end
local now = nowMs()
call('HSET', @taskKey, 'progress', @percent, 'updatedAt', now)
if @message == '' then call('HDEL', @taskKey, 'progressMessage') else call('HSET', @taskKey, 'progressMessage', @message) end
if @details == '' then call('HDEL', @taskKey, 'progressDetails') else call('HSET', @taskKey, 'progressDetails', @details) end
local event = emit('progress', f[3], f[4], 'processing', now)
event.n = tonumber(f[5])
event.w = f[6]
event.p = tonumber(@percent)
if @message ~= '' then event.m = @message end
publishEvents(@ns)
return { 0 }
