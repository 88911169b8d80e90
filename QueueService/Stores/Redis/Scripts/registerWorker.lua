--[[ registerWorker: adds or refreshes one worker in the live registry; it drops out after ttlMs.
  keys:    @workersKey (zset workerId -> expiry ms) @workerKey (hash of the worker)
  args:    @workerId @infoJson (the registration, JSON) @ttlMs
  returns: now in ms: the worker's lastHeartbeatAt ]]
local call = redis.call
local t = call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(@ttlMs)
call('ZADD', @workersKey, string.format('%.0f', now + ttl), @workerId)
call('HSET', @workerKey, 'info', @infoJson, 'heartbeatAt', string.format('%.0f', now))
-- The hash expires with the entry, so a worker that vanished leaves nothing behind even if no one lists.
call('PEXPIRE', @workerKey, ttl)
return now
