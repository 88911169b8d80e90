--[[ cancel: queued or scheduled -> cancelled at once (a scheduled task's due time is cleared: it
  will not run); processing -> processing with a cancel requested (the worker learns it at its
  next heartbeat), again on a second cancel.
  keys:    @ns (namespace prefix) @taskKey
  args:    (none)
  events:  cancelled | cancel-requested (n, w)
  returns: {0, 'cancelled'} | {0, 'cancel-requested'} | {-1} not found
           | {-2, status} illegal from completed, failed, cancelled (StoreError) ]]
-- #include common
local f = call('HMGET', @taskKey, 'id', 'type', 'status', 'attempts', 'workerId')
local status = f[3]
if not status then return { -1 } end
local now = nowMs()
if status == 'processing' then
  call('HSET', @taskKey, 'cancelRequested', 1, 'updatedAt', now)
  local event = emit('cancel-requested', f[1], f[2], 'processing', now)
  event.n = tonumber(f[4])
  event.w = f[5]
  publishEvents(@ns)
  return { 0, 'cancel-requested' }
end
if status ~= 'queued' and status ~= 'scheduled' then return { -2, status } end
call('HSET', @taskKey, 'status', 'cancelled', 'completedAt', now, 'updatedAt', now)
call('HDEL', @taskKey, 'scheduledFor')
moveIndex(@ns, f[1], f[2], status, 'cancelled', now)
emit('cancelled', f[1], f[2], 'cancelled', now)
publishEvents(@ns)
return { 0, 'cancelled' }
