--[[ complete: processing -> completed, only for the current lease holder, even when a cancel was
  requested (the work is done). Updates the queue's moving average of now - startedAt.
  keys:    @ns (namespace prefix) @taskKey
  args:    @leaseToken @hasResult (1|0) @resultJson @averageWeight (EtaEstimator.MovingAverageWeight)
  events:  completed (n, w)
  returns: {0} | {-1} not found | {-6} lease not held (StoreError) ]]
-- #include common
local code = checkLease(@taskKey, @leaseToken)
if code ~= 0 then return { code } end
local now = nowMs()
local f = call('HMGET', @taskKey, 'id', 'type', 'startedAt', 'attempts', 'workerId')
local taskType = f[2]
local sample = now - tonumber(f[3])
local statsKey = @ns .. 'stats'
local avg = tonumber(call('HGET', statsKey, 'avgMs:' .. taskType))
if avg then avg = avg + tonumber(@averageWeight) * (sample - avg) else avg = sample end
call('HSET', statsKey, 'avgMs:' .. taskType, avg)
call('HINCRBY', statsKey, 'completed:' .. taskType, 1)
call('HSET', @taskKey, 'status', 'completed', 'completedAt', now, 'updatedAt', now)
if @hasResult == '1' then call('HSET', @taskKey, 'result', @resultJson) end
clearLease(@taskKey)
moveIndex(@ns, f[1], taskType, 'processing', 'completed', now)
local event = emit('completed', f[1], taskType, 'completed', now)
event.n = tonumber(f[4])
event.w = f[5]
publishEvents(@ns)
return { 0 }
