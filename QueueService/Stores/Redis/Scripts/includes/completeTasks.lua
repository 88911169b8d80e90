--[[ completeTasks: the completion half of complete and completeAndLease, inlined at "-- #include completeTasks"
  after common. Not a transition of its own. completeTask(ns, taskKey, token, resultJson or false, now, done)
  records one completion (processing -> completed, only for the current lease holder, even when a cancel was
  requested: the work is done) and returns 0 | -1 not found | -6 lease not held; it writes the task's hash and
  its completed event at once and gathers the index moves and the queue's statistics in done, which
  finishCompletions(ns, done, averageWeight) writes: one ZREM/ZADD per index and one stats update per queue
  for the lot (the moving average of now - startedAt folds the samples in order, as one call each would). ]]
local function newCompletions(now)
  -- Numbers are handed to Redis as text made once: each number argument would be printed (%.17g) per call.
  return { ids = {}, completed = {}, byType = {}, nowText = fmt(now) }
end

local function completeTask(ns, taskKey, token, resultJson, now, done)
  local code, f = checkLease(taskKey, token, 'id', 'type', 'startedAt', 'attempts', 'workerId')
  if code ~= 0 then return code end
  local id, taskType = f[3], f[4]
  local nowText = done.nowText
  if resultJson then
    call('HSET', taskKey, 'status', 'completed', 'completedAt', nowText, 'updatedAt', nowText, 'result', resultJson)
  else
    call('HSET', taskKey, 'status', 'completed', 'completedAt', nowText, 'updatedAt', nowText)
  end
  clearLease(taskKey)
  done.ids[#done.ids + 1] = id
  done.completed[#done.completed + 1] = nowText
  done.completed[#done.completed + 1] = id
  local queue = done.byType[taskType]
  if not queue then
    queue = { ids = {}, completed = {}, samples = {} }
    done.byType[taskType] = queue
  end
  queue.ids[#queue.ids + 1] = id
  queue.completed[#queue.completed + 1] = nowText
  queue.completed[#queue.completed + 1] = id
  queue.samples[#queue.samples + 1] = now - tonumber(f[5])
  local event = emit('completed', id, taskType, 'completed', now)
  event.n = tonumber(f[6])
  event.w = f[7]
  return 0
end

local function finishCompletions(ns, done, averageWeight)
  if #done.ids == 0 then return end
  local statsKey = ns .. 'stats'
  callChunked('ZREM', ns .. 's:processing', done.ids)
  callChunked('ZADD', ns .. 's:completed', done.completed)
  for taskType, queue in pairs(done.byType) do
    callChunked('ZREM', ns .. 's:processing:' .. taskType, queue.ids)
    callChunked('ZADD', ns .. 's:completed:' .. taskType, queue.completed)
    local avg = tonumber(call('HGET', statsKey, 'avgMs:' .. taskType))
    for i = 1, #queue.samples do
      if avg then avg = avg + averageWeight * (queue.samples[i] - avg) else avg = queue.samples[i] end
    end
    call('HSET', statsKey, 'avgMs:' .. taskType, avg)
    call('HINCRBY', statsKey, 'completed:' .. taskType, #queue.ids)
  end
end
