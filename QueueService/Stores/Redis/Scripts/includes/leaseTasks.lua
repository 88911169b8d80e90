--[[ leaseTasks: the lease half of lease and completeAndLease, inlined at "-- #include leaseTasks" after common.
  Not a transition of its own. leaseTasks(ns, queueKeys, workerId, maxTasks, leaseMs, now, out) takes up to
  maxTasks queued tasks from the queued indexes in queueKeys (lowest run score across all of them first:
  priority, then global FIFO) and makes each processing: attempts + 1, startedAt = now, a lease token from the
  sequence (one INCRBY for the lot), progress cleared; started events (n, w, t). It appends 9 values per lease to
  out, in run order: id, type, payloadJson, priority, attempt, maxRetries, leaseToken, leaseExpiresAtMs,
  createdAtMs; and returns how many orphans (index entries whose hash is gone) it dropped on the way. Every
  candidate's hash is read before anything is written; the index moves are one ZREM/ZADD per key for the lot. ]]
local function readCandidate(ns, id)
  return call('HMGET', ns .. 't:' .. id, 'type', 'payload', 'priority', 'maxRetries', 'createdAt', 'attempts',
    'progress', 'progressMessage', 'progressDetails')
end

-- One queue: its head, popped (ZPOPMIN) so the picked ids leave that index in the same call; an orphan popped with
-- them is dropped from the other indexes and the next task taken in its place.
local function pickFromOne(ns, queueKey, maxTasks, picked)
  local orphans = 0
  while #picked < maxTasks do
    local popped = call('ZPOPMIN', queueKey, maxTasks - #picked)
    if #popped == 0 then break end
    for i = 1, #popped, 2 do
      local f = readCandidate(ns, popped[i])
      if f[1] then
        picked[#picked + 1] = { popped[i], f }
      else
        dropOrphan(ns, popped[i], queueKey)
        orphans = orphans + 1
      end
    end
  end
  return orphans
end

-- Several queues: merged by score, each step comparing every queue's next head (queues are few). Picked ids stay in
-- their index until the lot is leased, so an offset counts the valid ids passed in each; an orphan leaves its index.
-- A head is read once and kept until its queue is the one picked from (the others' heads cannot have moved).
local function pickFromMany(ns, queueKeys, maxTasks, picked)
  local orphans = 0
  local offsets, heads = {}, {} -- heads[q]: { id, score }, false when the queue has no more, nil when to be read
  for q = 1, #queueKeys do offsets[q] = 0 end
  local function headOf(q)
    if heads[q] == nil then
      local head = call('ZRANGE', queueKeys[q], offsets[q], offsets[q], 'WITHSCORES')
      heads[q] = head[1] and { head[1], tonumber(head[2]) } or false
    end
    return heads[q]
  end
  while #picked < maxTasks do
    local bestQueue, bestScore, bestId = nil, nil, nil
    for q = 1, #queueKeys do
      local head = headOf(q)
      if head and (not bestScore or head[2] < bestScore) then bestQueue, bestScore, bestId = q, head[2], head[1] end
    end
    if not bestQueue then break end
    heads[bestQueue] = nil -- picked or dropped: that queue's next head is read again
    local f = readCandidate(ns, bestId)
    if f[1] then
      offsets[bestQueue] = offsets[bestQueue] + 1
      picked[#picked + 1] = { bestId, f, queueKeys[bestQueue] }
    else
      dropOrphan(ns, bestId, queueKeys[bestQueue])
      orphans = orphans + 1
    end
  end
  -- Remove the picked ids from the indexes they were picked from, one ZREM per index.
  local byKey = {}
  for i = 1, #picked do
    local key = picked[i][3]
    byKey[key] = byKey[key] or {}
    byKey[key][#byKey[key] + 1] = picked[i][1]
  end
  for key, ids in pairs(byKey) do
    callChunked('ZREM', key, ids)
  end
  return orphans
end

local function leaseTasks(ns, queueKeys, workerId, maxTasks, leaseMs, now, out)
  if maxTasks <= 0 then return 0 end
  local picked = {}
  local orphans
  if #queueKeys == 1 then orphans = pickFromOne(ns, queueKeys[1], maxTasks, picked)
  else orphans = pickFromMany(ns, queueKeys, maxTasks, picked) end
  if #picked == 0 then return orphans end

  local expires = now + leaseMs
  -- Numbers are handed to Redis as text made once: each number argument would be printed (%.17g) per call.
  local nowText, expiresText = fmt(now), fmt(expires)
  local firstToken = call('INCRBY', ns .. 'seq', #picked) - #picked + 1
  local ids = {}
  local processing = {}
  local processingByType = {}
  for i = 1, #picked do
    local id, f = picked[i][1], picked[i][2]
    local taskKey = ns .. 't:' .. id
    local token = firstToken + i - 1
    local attempt = (tonumber(f[6]) or 0) + 1
    call('HSET', taskKey, 'status', 'processing', 'attempts', tostring(attempt), 'startedAt', nowText, 'updatedAt', nowText,
      'workerId', workerId, 'leaseToken', fmt(token), 'leaseExpiresAt', expiresText)
    if f[7] or f[8] or f[9] then call('HDEL', taskKey, 'progress', 'progressMessage', 'progressDetails') end
    ids[i] = id
    processing[#processing + 1] = expiresText
    processing[#processing + 1] = id
    local byType = processingByType[f[1]]
    if not byType then
      byType = {}
      processingByType[f[1]] = byType
    end
    byType[#byType + 1] = expiresText
    byType[#byType + 1] = id
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
  callChunked('ZREM', ns .. 's:queued', ids)
  callChunked('ZADD', ns .. 's:processing', processing)
  for taskType, members in pairs(processingByType) do callChunked('ZADD', ns .. 's:processing:' .. taskType, members) end
  return orphans
end
