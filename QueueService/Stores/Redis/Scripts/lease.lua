--[[ lease: queued -> processing for up to maxTasks tasks of the listed queues, lowest run score
  across all of them first (priority, then global FIFO). Due scheduled tasks of any queue are
  promoted first (at most promoteBatch). Each leased task: attempts + 1, startedAt = now, a new
  lease token from the sequence, progress cleared.
  List-shaped, so evaluated with raw KEYS/ARGV (see RedisScripts), never with named parameters.
  keys:    KEYS[1] namespace prefix; KEYS[1 + q] queued index of queue q
  args:    ARGV[1] workerId, ARGV[2] maxTasks, ARGV[3] leaseMs, ARGV[4] promoteBatch
  events:  queued per promoted task, then started (n, w, t = lease token) per lease
  returns: {orphans dropped, then 9 per lease, in run order: id, type, payloadJson, priority,
           attempt, maxRetries, leaseToken, leaseExpiresAtMs, createdAtMs}
  Every candidate's hash is read before anything is written: an orphan (hash gone) is dropped
  from the indexes and skipped, and the next task is taken in its place. ]]
-- #include common
local ns = KEYS[1]
local workerId = ARGV[1]
local maxTasks = tonumber(ARGV[2])
local leaseMs = tonumber(ARGV[3])
local now = nowMs()
local _, orphans = promoteDue(ns, now, tonumber(ARGV[4]))

local function readTask(id)
  return call('HMGET', ns .. 't:' .. id, 'type', 'payload', 'priority', 'maxRetries', 'createdAt')
end

-- { id, fields } in run order. Picked tasks stay in their index until leased below, so an offset
-- counts the valid ids passed in each queue; a dropped orphan leaves the index and takes no offset.
local picked = {}
local queueCount = #KEYS - 1
if queueCount == 1 then
  local offset = 0
  while #picked < maxTasks do
    local ids = call('ZRANGE', KEYS[2], offset, offset + (maxTasks - #picked) - 1)
    if #ids == 0 then break end
    for i = 1, #ids do
      local f = readTask(ids[i])
      if f[1] then
        picked[#picked + 1] = { ids[i], f }
        offset = offset + 1
      else
        dropOrphan(ns, ids[i], KEYS[2])
        orphans = orphans + 1
      end
    end
  end
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
    local f = readTask(bestId)
    if f[1] then
      offsets[bestQueue] = offsets[bestQueue] + 1
      picked[#picked + 1] = { bestId, f }
    else
      dropOrphan(ns, bestId, KEYS[1 + bestQueue])
      orphans = orphans + 1
    end
  end
end

local expires = now + leaseMs
local out = { orphans }
for i = 1, #picked do
  local id, f = picked[i][1], picked[i][2]
  local taskKey = ns .. 't:' .. id
  local token = call('INCR', ns .. 'seq')
  local attempt = call('HINCRBY', taskKey, 'attempts', 1)
  call('HSET', taskKey, 'status', 'processing', 'startedAt', now, 'updatedAt', now, 'workerId', workerId,
    'leaseToken', token, 'leaseExpiresAt', expires)
  call('HDEL', taskKey, 'progress', 'progressMessage', 'progressDetails')
  moveIndex(ns, id, f[1], 'queued', 'processing', expires)
  local event = emit('started', id, f[1], 'processing', now)
  event.n = attempt
  event.w = workerId
  event.t = token
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
publishEvents(ns)
return out
