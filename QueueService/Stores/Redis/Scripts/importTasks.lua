--[[ importTasks: creates a step of tasks from a snapshot (restore). An id the store holds is left
  exactly as it is. Statuses arrive normalised (SnapshotImport.Prepare): processing only when the
  import holds leases (ImportOptions.HoldLeasesFor), and then its lease expires holdMs after now (Redis
  time). Indexes are scored as every other script scores them: queued by run score, scheduled by due
  time, processing by lease expiry, finished by finish time; `all` by the creation sequence. The sequence
  rises to the highest imported sequence or lease token.
  List-shaped, so evaluated with raw KEYS/ARGV (see RedisScripts).
  keys:    KEYS[1] namespace prefix
  args:    ARGV[1] task count n; ARGV[2] holdMs ('' = no hold); then 24 per task: id type payload priority status attempts maxRetries
           seq createdSeq createdAt updatedAt startedAt completedAt scheduledFor workerId leaseToken
           leaseExpiresAt cancelRequested progress progressMessage progressDetails result lastError
           errors ('' = absent)
  returns: { imported, skipped, a string with one character per task: 1 created, 0 skipped } ]]
-- #include common
local ns = KEYS[1]
local count = tonumber(ARGV[1])
local holdMs = tonumber(ARGV[2])
local now = nowMs()
local names = { 'id', 'type', 'payload', 'priority', 'status', 'attempts', 'maxRetries', 'seq', 'createdSeq',
  'createdAt', 'updatedAt', 'startedAt', 'completedAt', 'scheduledFor', 'workerId', 'leaseToken',
  'leaseExpiresAt', 'cancelRequested', 'progress', 'progressMessage', 'progressDetails', 'result',
  'lastError', 'errors' }
local width = #names
local imported, skipped, maxSeq = 0, 0, 0
local woken = {}
local created = {}
for i = 1, count do
  local base = 2 + (i - 1) * width
  local id = ARGV[base + 1]
  local taskKey = ns .. 't:' .. id
  if call('EXISTS', taskKey) == 1 then
    skipped = skipped + 1
    created[i] = '0'
  else
    local v = {}
    local hash = {}
    local held = ARGV[base + 5] == 'processing' and holdMs
    for f = 1, width do
      v[names[f]] = ARGV[base + f]
      if held and names[f] == 'leaseExpiresAt' then v.leaseExpiresAt = fmt(now + holdMs) end
      -- createdSeq lives in the `all` score, not the hash, as enqueue keeps it.
      if v[names[f]] ~= '' and names[f] ~= 'createdSeq' then
        hash[#hash + 1] = names[f]
        hash[#hash + 1] = v[names[f]]
      end
    end
    call('HSET', taskKey, unpack(hash))
    local taskType, status = v.type, v.status
    local score
    if status == 'queued' then
      score = runScore(v.priority, v.seq)
      woken[taskType] = true
    elseif status == 'scheduled' then
      score = tonumber(v.scheduledFor)
    elseif status == 'processing' then
      score = tonumber(v.leaseExpiresAt)
    else
      score = tonumber(v.completedAt ~= '' and v.completedAt or v.updatedAt)
    end
    moveIndex(ns, id, taskType, nil, status, score)
    call('ZADD', ns .. 'all', v.createdSeq, id)
    call('ZADD', ns .. 'all:' .. taskType, v.createdSeq, id)
    call('SADD', ns .. 'types', taskType)
    maxSeq = math.max(maxSeq, tonumber(v.seq), tonumber(v.createdSeq), tonumber(v.leaseToken) or 0)
    imported = imported + 1
    created[i] = '1'
  end
end
if maxSeq > tonumber(call('GET', ns .. 'seq') or '0') then call('SET', ns .. 'seq', fmt(maxSeq)) end
for queue in pairs(woken) do call('PUBLISH', ns .. 'wake', queue) end
return { imported, skipped, table.concat(created) }
