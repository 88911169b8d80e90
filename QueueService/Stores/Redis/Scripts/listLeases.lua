--[[ listLeases: the leases held by one worker: every processing task whose workerId is that worker,
  expired or not (the reaper has not reclaimed it). Walks the global processing index: O(processing
  tasks of all workers, the sum of their Concurrency + Prefetch), never the queue depth; a task of
  another worker costs one HGET, payloads are read for this worker's only. Read only.
  keys:    @ns (namespace prefix)
  args:    @workerId
  returns: {9 per lease, by lease expiry: id, type, payloadJson, priority, attempt, maxRetries,
           leaseToken, leaseExpiresAtMs, createdAtMs} ]]
-- #include common
local ns = @ns
local out = {}
local ids = call('ZRANGE', ns .. 's:processing', 0, -1)
for i = 1, #ids do
  local key = ns .. 't:' .. ids[i]
  local f = call('HGET', key, 'workerId') == @workerId and call('HMGET', key, 'workerId', 'status', 'leaseToken', 'type',
    'payload', 'priority', 'attempts', 'maxRetries', 'leaseExpiresAt', 'createdAt')
  if f and f[2] == 'processing' and f[3] then
    local o = #out
    out[o + 1] = ids[i]
    out[o + 2] = f[4]
    out[o + 3] = f[5]
    out[o + 4] = f[6]
    out[o + 5] = f[7]
    out[o + 6] = f[8]
    out[o + 7] = f[3]
    out[o + 8] = f[9]
    out[o + 9] = f[10]
  end
end
return out
