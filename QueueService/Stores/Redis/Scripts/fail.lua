--[[ fail: records a failed attempt of the lease holder. processing -> cancelled when a cancel was
  requested; -> scheduled (due now + retryDelayMs) when retryable and attempts <= maxRetries;
  -> failed otherwise. The error joins the history either way.
  keys:    @ns (namespace prefix) @taskKey
  args:    @leaseToken @message @kind @retryable (1|0) @retryDelayMs
  events:  cancelled | retried (with due) | failed, each with n, w and e (the message)
  returns: {0, newStatus, retryAtMs or -1} | {-1} not found | {-6} lease not held (StoreError) ]]
-- #include common
-- The check reads the fields too: f[1] status, f[2] leaseToken, then id, type, attempts, maxRetries, cancelRequested, workerId.
local code, f = checkLease(@taskKey, @leaseToken, 'id', 'type', 'attempts', 'maxRetries', 'cancelRequested', 'workerId')
if code ~= 0 then return { code } end
local now = nowMs()
local id, taskType = f[3], f[4]
local attempts = tonumber(f[5])
addError(@taskKey, attempts, @message, @kind, now)
clearLease(@taskKey)

-- The event of the outcome: the attempt, its worker and the recorded error (events in common).
local function outcome(kind, status)
  local event = emit(kind, id, taskType, status, now)
  event.n = attempts
  event.w = f[8]
  event.e = @message
  return event
end

if f[7] == '1' then
  call('HSET', @taskKey, 'status', 'cancelled', 'completedAt', now, 'updatedAt', now)
  moveIndex(@ns, id, taskType, 'processing', 'cancelled', now)
  outcome('cancelled', 'cancelled')
  publishEvents(@ns)
  return { 0, 'cancelled', -1 }
end
if @retryable == '1' and attempts <= tonumber(f[6]) then
  local due = now + tonumber(@retryDelayMs)
  call('HSET', @taskKey, 'status', 'scheduled', 'scheduledFor', due, 'updatedAt', now)
  moveIndex(@ns, id, taskType, 'processing', 'scheduled', due)
  outcome('retried', 'scheduled').due = due
  publishEvents(@ns)
  return { 0, 'scheduled', due }
end
call('HSET', @taskKey, 'status', 'failed', 'completedAt', now, 'updatedAt', now)
call('HINCRBY', @ns .. 'stats', 'failed:' .. taskType, 1)
moveIndex(@ns, id, taskType, 'processing', 'failed', now)
outcome('failed', 'failed')
publishEvents(@ns)
return { 0, 'failed', -1 }
