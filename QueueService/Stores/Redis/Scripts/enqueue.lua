--[[ enqueue: adds one task or a batch in one round trip: -> queued, or -> scheduled when delayed
  to a future time. An id that exists changes nothing (created = 0). A batch keeps its list order
  (sequence numbers from one INCRBY for the lot). Every hash is written first; the indexes, the
  queue set and the counters are written once per key for the lot; the positions are read after.
  List-shaped, so evaluated with raw KEYS/ARGV (see RedisScripts), never with named parameters.
  keys:    KEYS[1] namespace prefix; KEYS[1 + i] hash of task i
  args:    ARGV[1] task count n; then 8 per task: id, type, payloadJson, priority, maxRetries,
           delayMs (-1 none), runAtMs (-1 none), createdAtMs (-1: now)
  events:  queued or scheduled (with due) per created task; none for an id that exists
  returns: 7 per task: id, created (1|0), status, createdAtMs, rank in its queue (-1 unless
           queued: its place once the whole batch is in), the queue's avgMs (nil before a
           completion), processing count of the queue ]]
-- #include common
local ns = KEYS[1]
local count = tonumber(ARGV[1])
local now = nowMs()
local firstSeq = call('INCRBY', ns .. 'seq', count) - count + 1
-- Numbers are handed to Redis as text made once each: every number argument would be printed (%.17g) per call.
local nowText = fmt(now)

local tasks = {}
local byKey = {}
local function index(key, score, id)
  local members = byKey[key]
  if not members then
    members = {}
    byKey[key] = members
  end
  members[#members + 1] = score
  members[#members + 1] = id
end
local enqueuedByType = {}

for i = 1, count do
  local base = 1 + (i - 1) * 8
  local id = ARGV[base + 1]
  local taskType = ARGV[base + 2]
  local taskKey = KEYS[1 + i]
  local task = { id = id, created = 0 }
  local existing = call('HMGET', taskKey, 'status', 'createdAt', 'type')
  if existing[1] then
    task.status, task.createdAt, task.type = existing[1], existing[2], existing[3]
  else
    local priority = ARGV[base + 4]
    local delayMs = tonumber(ARGV[base + 6])
    local runAtMs = tonumber(ARGV[base + 7])
    local createdAtMs = tonumber(ARGV[base + 8])
    local seq = firstSeq + i - 1
    local seqText = fmt(seq)
    local due = nil
    if delayMs > 0 then due = now + delayMs elseif runAtMs > now then due = runAtMs end
    local status = due and 'scheduled' or 'queued'
    local createdAt = createdAtMs > 0 and createdAtMs or now
    local createdAtText = createdAtMs > 0 and fmt(createdAtMs) or nowText
    task.created, task.status, task.createdAt, task.type = 1, status, createdAt, taskType
    if due then
      local dueText = fmt(due)
      call('HSET', taskKey, 'id', id, 'type', taskType, 'payload', ARGV[base + 3], 'priority', priority,
        'status', status, 'attempts', '0', 'maxRetries', ARGV[base + 5], 'createdAt', createdAtText, 'updatedAt', nowText,
        'seq', seqText, 'scheduledFor', dueText)
      index(ns .. 's:scheduled', dueText, id)
      index(ns .. 's:scheduled:' .. taskType, dueText, id)
      emit(status, id, taskType, status, now).due = due
    else
      call('HSET', taskKey, 'id', id, 'type', taskType, 'payload', ARGV[base + 3], 'priority', priority,
        'status', status, 'attempts', '0', 'maxRetries', ARGV[base + 5], 'createdAt', createdAtText, 'updatedAt', nowText,
        'seq', seqText)
      local score = fmt(runScore(priority, seq))
      index(ns .. 's:queued', score, id)
      index(ns .. 's:queued:' .. taskType, score, id)
      emit(status, id, taskType, status, now)
    end
    index(ns .. 'all', seqText, id)
    index(ns .. 'all:' .. taskType, seqText, id)
    enqueuedByType[taskType] = (enqueuedByType[taskType] or 0) + 1
  end
  tasks[i] = task
end

for key, members in pairs(byKey) do callChunked('ZADD', key, members) end
for taskType, n in pairs(enqueuedByType) do
  call('SADD', ns .. 'types', taskType)
  call('HINCRBY', ns .. 'stats', 'enqueued:' .. taskType, n)
end

local out = {}
local queueFacts = {}
for i = 1, count do
  local task = tasks[i]
  local rank, avg, processing = -1, false, 0
  if task.status == 'queued' then
    rank = call('ZRANK', ns .. 's:queued:' .. task.type, task.id) or -1
    local facts = queueFacts[task.type]
    if not facts then
      facts = { call('HGET', ns .. 'stats', 'avgMs:' .. task.type), call('ZCARD', ns .. 's:processing:' .. task.type) }
      queueFacts[task.type] = facts
    end
    avg, processing = facts[1], facts[2]
  end
  local o = #out
  out[o + 1] = task.id
  out[o + 2] = task.created
  out[o + 3] = task.status
  out[o + 4] = task.createdAt
  out[o + 5] = rank
  out[o + 6] = avg
  out[o + 7] = processing
end

for taskType in pairs(enqueuedByType) do
  if byKey[ns .. 's:queued:' .. taskType] then call('PUBLISH', ns .. 'wake', taskType) end
end
publishEvents(ns)
return out
