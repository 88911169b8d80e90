--[[ enqueue: adds one task or a batch in one round trip: -> queued, or -> scheduled when delayed
  to a future time. An id that exists changes nothing (created = 0). A batch keeps its list order.
  List-shaped, so evaluated with raw KEYS/ARGV (see RedisScripts), never with named parameters.
  keys:    KEYS[1] namespace prefix; KEYS[1 + i] hash of task i
  args:    ARGV[1] task count n; then 8 per task: id, type, payloadJson, priority, maxRetries,
           delayMs (-1 none), runAtMs (-1 none), createdAtMs (-1: now)
  events:  queued or scheduled (with due) per created task; none for an id that exists
  returns: 7 per task: id, created (1|0), status, createdAtMs, rank in its queue (-1 unless
           queued), the queue's avgMs (nil before a completion), processing count of the queue ]]
-- #include common
local ns = KEYS[1]
local count = tonumber(ARGV[1])
local now = nowMs()
local out = {}
local woken = {}
local queueFacts = {}

for i = 1, count do
  local base = 1 + (i - 1) * 8
  local id = ARGV[base + 1]
  local taskType = ARGV[base + 2]
  local taskKey = KEYS[1 + i]
  local created = 0
  local status, createdAt
  if call('EXISTS', taskKey) == 1 then
    local f = call('HMGET', taskKey, 'status', 'createdAt', 'type')
    status, createdAt, taskType = f[1], f[2], f[3]
  else
    created = 1
    createdAt = now
    if tonumber(ARGV[base + 8]) > 0 then createdAt = tonumber(ARGV[base + 8]) end
    local priority = ARGV[base + 4]
    local delayMs = tonumber(ARGV[base + 6])
    local runAtMs = tonumber(ARGV[base + 7])
    local seq = call('INCR', ns .. 'seq')
    local due = nil
    if delayMs > 0 then due = now + delayMs elseif runAtMs > now then due = runAtMs end
    status = due and 'scheduled' or 'queued'
    call('HSET', taskKey, 'id', id, 'type', taskType, 'payload', ARGV[base + 3], 'priority', priority,
      'status', status, 'attempts', 0, 'maxRetries', ARGV[base + 5], 'createdAt', createdAt, 'updatedAt', now,
      'seq', seq)
    local event = emit(status, id, taskType, status, now)
    if due then
      call('HSET', taskKey, 'scheduledFor', due)
      moveIndex(ns, id, taskType, nil, 'scheduled', due)
      event.due = due
    else
      moveIndex(ns, id, taskType, nil, 'queued', runScore(priority, seq))
      woken[taskType] = true
    end
    call('ZADD', ns .. 'all', seq, id)
    call('ZADD', ns .. 'all:' .. taskType, seq, id)
    call('SADD', ns .. 'types', taskType)
    call('HINCRBY', ns .. 'stats', 'enqueued:' .. taskType, 1)
  end
  local rank, avg, processing = -1, false, 0
  if status == 'queued' then
    rank = call('ZRANK', ns .. 's:queued:' .. taskType, id)
    local facts = queueFacts[taskType]
    if not facts then
      facts = { call('HGET', ns .. 'stats', 'avgMs:' .. taskType), call('ZCARD', ns .. 's:processing:' .. taskType) }
      queueFacts[taskType] = facts
    end
    avg, processing = facts[1], facts[2]
  end
  local o = #out
  out[o + 1] = id
  out[o + 2] = created
  out[o + 3] = status
  out[o + 4] = createdAt
  out[o + 5] = rank
  out[o + 6] = avg
  out[o + 7] = processing
end

for queue in pairs(woken) do call('PUBLISH', ns .. 'wake', queue) end
publishEvents(ns)
return out
