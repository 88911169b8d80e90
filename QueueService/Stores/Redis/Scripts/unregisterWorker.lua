--[[ unregisterWorker: removes one worker from the registry; an unknown id changes nothing.
  keys:    @workersKey (zset workerId -> expiry ms) @workerKey (hash of the worker)
  args:    @workerId
  returns: 1 when it was registered, 0 otherwise ]]
local call = redis.call
call('DEL', @workerKey)
return call('ZREM', @workersKey, @workerId)
