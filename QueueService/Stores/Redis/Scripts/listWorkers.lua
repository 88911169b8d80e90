--[[ listWorkers: drops expired workers and returns the live ones, in one round trip.
  keys:    @ns (namespace prefix; worker hashes are ns .. 'worker:' .. id)
  args:    (none)
  returns: {workerId, infoJson, heartbeatAtMs, ...} for each live worker, by expiry (C# orders by id) ]]
local call = redis.call
local ns = @ns
local workersKey = ns .. 'workers'
local t = call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowText = string.format('%.0f', now)
local expired = call('ZRANGEBYSCORE', workersKey, '-inf', nowText)
for i = 1, #expired do
  call('DEL', ns .. 'worker:' .. expired[i])
end
call('ZREMRANGEBYSCORE', workersKey, '-inf', nowText)
local out = {}
local live = call('ZRANGE', workersKey, 0, -1)
for i = 1, #live do
  local id = live[i]
  local f = call('HMGET', ns .. 'worker:' .. id, 'info', 'heartbeatAt')
  if f[1] then
    out[#out + 1] = id
    out[#out + 1] = f[1]
    out[#out + 1] = f[2]
  else
    -- The hash is gone (evicted, deleted by hand): the entry cannot be read, so it goes too.
    call('ZREM', workersKey, id)
  end
end
return out
