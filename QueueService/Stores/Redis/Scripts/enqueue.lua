--[[ enqueue: adds one task or a batch in one round trip: -> queued, or -> scheduled when delayed
  to a future time. An id that exists changes nothing (created = 0). A batch keeps its list order
  (sequence numbers from one INCRBY for the lot). Every hash is written first; the indexes, the
  queue set and the counters are written once per key for the lot; the positions are read after.
  List-shaped, so evaluated with raw KEYS/ARGV (see RedisScripts), never with named parameters.
  keys:    KEYS[1] namespace prefix; KEYS[1 + i] hash of task i
  args:    ARGV[1] task count n; then 8 per task: id, type, payloadJson, priority, maxRetries,
           delayMs (-1 none), runAtMs (-1 none), createdAtMs (-1: now)
  events:  queued or scheduled (with due) per created task; none for an id that exists
  returns: {now ms, queue count m, then 3 per queue of the queued tasks: type, avgMs (false before a completion),
           processing count; then 5 per task: created (1|0), status, createdAtMs (false: created now), rank in
           its queue (-1 unless queued: its place once the whole batch is in), type (false: the caller's, as
           created)}. An existing task's status, time and type are read from its hash.
           Ranks of consecutive created tasks of one queue and priority follow each other: one ZRANK for the run. ]]
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
  local existing = call('HMGET', taskKey, 'status', 'createdAt', 'type', 'priority')
  if existing[1] then
    task.status, task.createdAtReply, task.type, task.priority = existing[1], existing[2], existing[3], existing[4]
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
    local createdAtText = createdAtMs > 0 and fmt(createdAtMs) or nowText
    task.created, task.status, task.type, task.priority = 1, status, taskType, priority
    task.createdAtReply = createdAtMs > 0 and createdAtText or false
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

local out = { now, 0 }
local queueFacts = {}
local queueCount = 0
local previous = nil
for i = 1, count do
  local task = tasks[i]
  local rank = -1
  if task.status == 'queued' then
    if task.created == 1 and previous and previous.created == 1 and previous.type == task.type
        and previous.priority == task.priority and previous.rank >= 0 then
      -- Created one after the other in the same queue and band: nothing can sit between them.
      rank = previous.rank + 1
    else
      rank = call('ZRANK', ns .. 's:queued:' .. task.type, task.id) or -1
    end
    if not queueFacts[task.type] then
      queueFacts[task.type] = true
      queueCount = queueCount + 1
      out[#out + 1] = task.type
      out[#out + 1] = call('HGET', ns .. 'stats', 'avgMs:' .. task.type)
      out[#out + 1] = call('ZCARD', ns .. 's:processing:' .. task.type)
    end
  end
  task.rank = rank
  previous = task
end
out[2] = queueCount
for i = 1, count do
  local task = tasks[i]
  local o = #out
  out[o + 1] = task.created
  out[o + 2] = task.status
  out[o + 3] = task.createdAtReply
  out[o + 4] = task.rank
  out[o + 5] = task.created == 0 and task.type or false
end

for taskType in pairs(enqueuedByType) do
  if byKey[ns .. 's:queued:' .. taskType] then call('PUBLISH', ns .. 'wake', taskType) end
end
publishEvents(ns)
return out
