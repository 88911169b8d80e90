--[[ retry: failed or cancelled -> queued at the back of its priority (new sequence), attempts = 0;
  cancel flag, result, progress, completedAt and scheduledFor cleared; error history kept.
  keys:    @ns (namespace prefix) @taskKey
  args:    (none)
  events:  retried (status queued)
  returns: {0, view} where view is {fields, rank, avgMs, processing} as get returns it
           | {-1} not found | {-2, status} illegal from queued, scheduled, processing, completed (StoreError) ]]
-- #include common
local f = call('HMGET', @taskKey, 'id', 'type', 'status', 'priority')
local status = f[3]
if not status then return { -1 } end
if status ~= 'failed' and status ~= 'cancelled' then return { -2, status } end
local now = nowMs()
local seq = call('INCR', @ns .. 'seq')
call('HSET', @taskKey, 'status', 'queued', 'attempts', 0, 'seq', seq, 'updatedAt', now)
call('HDEL', @taskKey, 'cancelRequested', 'result', 'progress', 'progressMessage', 'progressDetails',
  'completedAt', 'scheduledFor', 'leaseToken', 'leaseExpiresAt')
moveIndex(@ns, f[1], f[2], status, 'queued', runScore(f[4], seq))
call('PUBLISH', @ns .. 'wake', f[2])
emit('retried', f[1], f[2], 'queued', now)
publishEvents(@ns)
return { 0, taskView(@ns, @taskKey) }
