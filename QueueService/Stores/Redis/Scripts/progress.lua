--[[ progress: records the lease holder's progress (processing -> processing); updatedAt = now.
  An empty message or details clears that field.
  keys:    @taskKey
  args:    @leaseToken @percent @message @details
  returns: {0} | {-1} not found | {-6} lease not held (StoreError) ]]
-- #include common
local code = checkLease(@taskKey, @leaseToken)
if code ~= 0 then return { code } end
call('HSET', @taskKey, 'progress', @percent, 'updatedAt', nowMs())
if @message == '' then call('HDEL', @taskKey, 'progressMessage') else call('HSET', @taskKey, 'progressMessage', @message) end
if @details == '' then call('HDEL', @taskKey, 'progressDetails') else call('HSET', @taskKey, 'progressDetails', @details) end
return { 0 }
