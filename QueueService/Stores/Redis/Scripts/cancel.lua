--[[ cancel: queued or scheduled -> cancelled at once (a scheduled task's due time is cleared: it
  will not run); processing -> processing with a cancel requested (the worker learns it at its
  next heartbeat), again on a second cancel.
  keys:    @ns (namespace prefix) @taskKey
  args:    (none)
  returns: {0, 'cancelled'} | {0, 'cancel-requested'} | {-1} not found
           | {-2, status} illegal from completed, failed, cancelled (StoreError) ]]
-- #include common
local f = call('HMGET', @taskKey, 'id', 'type', 'status')
local status = f[3]
if not status then return { -1 } end
local now = nowMs()
if status == 'processing' then
  call('HSET', @taskKey, 'cancelRequested', 1, 'updatedAt', now)
  return { 0, 'cancel-requested' }
end
if status ~= 'queued' and status ~= 'scheduled' then return { -2, status } end
call('HSET', @taskKey, 'status', 'cancelled', 'completedAt', now, 'updatedAt', now)
call('HDEL', @taskKey, 'scheduledFor')
moveIndex(@ns, f[1], f[2], status, 'cancelled', now)
return { 0, 'cancelled' }
