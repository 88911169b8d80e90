--[[ lease: queued -> processing for up to maxTasks tasks of the listed queues, lowest run score
  across all of them first (priority, then global FIFO). Due scheduled tasks of any queue are
  promoted first (at most promoteBatch). Each leased task: attempts + 1, startedAt = now, a new
  lease token from the sequence, progress cleared.
  List-shaped, so evaluated with raw KEYS/ARGV (see RedisScripts), never with named parameters.
  keys:    KEYS[1] namespace prefix; KEYS[1 + q] queued index of queue q
  args:    ARGV[1] workerId, ARGV[2] maxTasks, ARGV[3] leaseMs, ARGV[4] promoteBatch
  returns: 9 per lease, in run order: id, type, payloadJson, priority, attempt, maxRetries,
           leaseToken, leaseExpiresAtMs, createdAtMs ]]
-- #include common
local ns = KEYS[1]
local workerId = ARGV[1]
local maxTasks = tonumber(ARGV[2])
local leaseMs = tonumber(ARGV[3])
local now = nowMs()
promoteDue(ns, now, tonumber(ARGV[4]))

local picked = {}
local queueCount = #KEYS - 1
if queueCount == 1 then
  picked = call('ZRANGE', KEYS[2], 0, maxTasks - 1)
else
  -- Merge the queues by score; each step looks at every queue's head (queues are few).
  local offsets = {}
  for q = 1, queueCount do offsets[q] = 0 end
  while #picked < maxTasks do
    local bestQueue, bestScore, bestId = nil, nil, nil
    for q = 1, queueCount do
      local head = call('ZRANGE', KEYS[1 + q], offsets[q], offsets[q], 'WITHSCORES')
      if head[1] then
        local score = tonumber(head[2])
        if not bestScore or score < bestScore then bestQueue, bestScore, bestId = q, score, head[1] end
      end
    end
    if not bestQueue then break end
    offsets[bestQueue] = offsets[bestQueue] + 1
    picked[#picked + 1] = bestId
  end
end

local expires = now + leaseMs
local out = {}
for i = 1, #picked do
  local id = picked[i]
  local taskKey = ns .. 't:' .. id
  local f = call('HMGET', taskKey, 'type', 'payload', 'priority', 'maxRetries', 'createdAt')
  local token = call('INCR', ns .. 'seq')
  local attempt = call('HINCRBY', taskKey, 'attempts', 1)
  call('HSET', taskKey, 'status', 'processing', 'startedAt', now, 'updatedAt', now, 'workerId', workerId,
    'leaseToken', token, 'leaseExpiresAt', expires)
  call('HDEL', taskKey, 'progress', 'progressMessage', 'progressDetails')
  moveIndex(ns, id, f[1], 'queued', 'processing', expires)
  local o = #out
  out[o + 1] = id
  out[o + 2] = f[1]
  out[o + 3] = f[2]
  out[o + 4] = f[3]
  out[o + 5] = attempt
  out[o + 6] = f[4]
  out[o + 7] = token
  out[o + 8] = expires
  out[o + 9] = f[5]
end
return out
