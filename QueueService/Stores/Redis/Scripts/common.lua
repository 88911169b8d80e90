--[[ common: helpers inlined into every script at the line "-- #include common" (RedisScripts).
  Not a transition of its own. Keys built here start with the namespace prefix passed to the
  script as a declared key, so they share its hash tag and its Redis Cluster slot.
  Numbers: times are integer milliseconds; a run score is (100 - priority) * 2^46 + seq, an exact
  integer below 2^53 (TaskScore in C#). Never concatenate a large number into a string with "..":
  Lua prints it with 14 digits; keys and ranges use fmt() below. ]]
local call = redis.call
local seqSpan = 70368744177664

local function nowMs()
  local t = call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function fmt(n)
  return string.format('%.0f', n)
end

-- call(command, key, members...) for a list of any length: in calls of at most 4000 arguments after the key (Lua's
-- unpack is bounded), so ZADD's score/member pairs are never split. One call instead of one per member.
local function callChunked(command, key, list)
  local n = #list
  local i = 1
  while i <= n do
    local j = math.min(i + 3999, n)
    call(command, key, unpack(list, i, j))
    i = j + 1
  end
end

local function runScore(priority, seq)
  return (100 - tonumber(priority)) * seqSpan + tonumber(seq)
end

-- Task events (TaskEvent in C#, read by RedisTaskEvents): a script records one table per change with
-- emit() and sends them all as one JSON array with publishEvents(ns) right before it returns, so a
-- message goes out if and only if the changes applied, and none for a refusal. Short keys keep it
-- small: k kind, id, q queue, s status, at ms; optional n attempt, w worker, p percent, m progress
-- message, e error, due scheduledFor ms (the caller sets those on the table emit returns).
local events = {}

local function emit(kind, id, queue, status, at)
  local event = { k = kind, id = id, q = queue, s = status, at = at }
  events[#events + 1] = event
  return event
end

-- Publishes on <prefix>events; a script that changed nothing publishes nothing.
local function publishEvents(ns)
  if #events > 0 then call('PUBLISH', ns .. 'events', cjson.encode(events)) end
end

-- Moves a task between status indexes (global and per queue); nil "from" or "to" skips that side.
local function moveIndex(ns, id, taskType, from, to, score)
  if from then
    call('ZREM', ns .. 's:' .. from, id)
    call('ZREM', ns .. 's:' .. from .. ':' .. taskType, id)
  end
  if to then
    call('ZADD', ns .. 's:' .. to, score, id)
    call('ZADD', ns .. 's:' .. to .. ':' .. taskType, score, id)
  end
end

-- Appends to the task's error history (JSON array of [attempt, message, atMs, kind]), keeping the last 20.
local function addError(taskKey, attempt, message, kind, now)
  local raw = call('HGET', taskKey, 'errors')
  local list = {}
  if raw and raw ~= '' then list = cjson.decode(raw) end
  list[#list + 1] = { tonumber(attempt), message, now, kind }
  while #list > 20 do table.remove(list, 1) end
  call('HSET', taskKey, 'errors', cjson.encode(list), 'lastError', message)
end

-- Ends a lease: the token and expiry go; workerId stays (who ran it last).
local function clearLease(taskKey)
  call('HDEL', taskKey, 'leaseToken', 'leaseExpiresAt')
end

-- 0 when the caller's lease is the task's current one; -1 no task; -6 lease not held. With 0 it also returns the
-- fields it read: status, leaseToken, then each further field name asked for (one HMGET for the check and the caller).
local function checkLease(taskKey, token, ...)
  local f = call('HMGET', taskKey, 'status', 'leaseToken', ...)
  if not f[1] then return -1 end
  if f[1] ~= 'processing' or not f[2] or tonumber(f[2]) ~= tonumber(token) then return -6 end
  return 0, f
end

local statuses = { 'queued', 'scheduled', 'processing', 'completed', 'failed', 'cancelled' }

-- An index entry whose task hash is gone (evicted under an allkeys-* policy, deleted by hand) or
-- is a stub without a type. Scripts that pick ids from an index read the hash before writing
-- anything and call this for an orphan, then skip it, so one orphan can never block a queue.
-- The hash that named its queue is gone, so the id leaves every status index and all, globally
-- and for every queue in types (O(queues); orphans are rare), and the index it was found in.
local function dropOrphan(ns, id, foundIn)
  local queues = call('SMEMBERS', ns .. 'types')
  call('ZREM', foundIn, id)
  for _, status in ipairs(statuses) do
    call('ZREM', ns .. 's:' .. status, id)
    for q = 1, #queues do call('ZREM', ns .. 's:' .. status .. ':' .. queues[q], id) end
  end
  call('ZREM', ns .. 'all', id)
  for q = 1, #queues do call('ZREM', ns .. 'all:' .. queues[q], id) end
  call('DEL', ns .. 't:' .. id)
end

-- scheduled -> queued with a new sequence (the back of its priority); returns the task's queue,
-- or false for an orphan (dropped, nothing else written).
local function promote(ns, id, now)
  local taskKey = ns .. 't:' .. id
  local f = call('HMGET', taskKey, 'type', 'priority')
  if not f[1] then
    dropOrphan(ns, id, ns .. 's:scheduled')
    return false
  end
  local seq = call('INCR', ns .. 'seq')
  call('HSET', taskKey, 'status', 'queued', 'seq', seq, 'updatedAt', now)
  call('HDEL', taskKey, 'scheduledFor')
  moveIndex(ns, id, f[1], 'scheduled', 'queued', runScore(f[2], seq))
  emit('queued', id, f[1], 'queued', now)
  return f[1]
end

-- Promotes at most maxTasks due scheduled tasks, publishing each queue that got work once.
-- Returns how many were promoted and how many orphans were dropped.
local function promoteDue(ns, now, maxTasks)
  if maxTasks <= 0 then return 0, 0 end
  local due = call('ZRANGEBYSCORE', ns .. 's:scheduled', '-inf', fmt(now), 'LIMIT', 0, maxTasks)
  local woken = {}
  local orphans = 0
  for i = 1, #due do
    local queue = promote(ns, due[i], now)
    if queue then woken[queue] = true else orphans = orphans + 1 end
  end
  for queue in pairs(woken) do call('PUBLISH', ns .. 'wake', queue) end
  return #due - orphans, orphans
end

-- A task as readers see it: { fields (HGETALL), rank in its queue or -1, queue's avgMs or false, processing count }.
local function taskView(ns, taskKey)
  local fields = call('HGETALL', taskKey)
  if #fields == 0 then return false end
  local status, taskType, id
  for i = 1, #fields, 2 do
    local name = fields[i]
    if name == 'status' then status = fields[i + 1]
    elseif name == 'type' then taskType = fields[i + 1]
    elseif name == 'id' then id = fields[i + 1] end
  end
  local rank = -1
  local avg = false
  local processing = 0
  if status == 'queued' then
    rank = call('ZRANK', ns .. 's:queued:' .. taskType, id) or -1
    avg = call('HGET', ns .. 'stats', 'avgMs:' .. taskType)
    processing = call('ZCARD', ns .. 's:processing:' .. taskType)
  end
  return { fields, rank, avg, processing }
end
