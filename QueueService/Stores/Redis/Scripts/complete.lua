--[[ complete: processing -> completed, only for the current lease holder, even when a cancel was
  requested (the work is done). Updates the queue's moving average of now - startedAt (includes/completeTasks.lua).
  keys:    @ns (namespace prefix) @taskKey
  args:    @leaseToken @hasResult (1|0) @resultJson @averageWeight (EtaEstimator.MovingAverageWeight)
  events:  completed (n, w)
  returns: {0} | {-1} not found | {-6} lease not held (StoreError) ]]
-- #include common
-- #include completeTasks
local now = nowMs()
local done = newCompletions(now)
local resultJson = false
if @hasResult == '1' then resultJson = @resultJson end
local code = completeTask(@ns, @taskKey, @leaseToken, resultJson, now, done)
if code ~= 0 then return { code } end
finishCompletions(@ns, done, tonumber(@averageWeight))
publishEvents(@ns)
return { 0 }
