--[[ purgeFinished: deletes up to maxTasks completed, failed and cancelled tasks that finished
  before now - olderThanMs, the oldest first across the three statuses (by finish time), with
  every index entry. Counters in stats are lifetime totals and stay. An orphan (an id whose task
  hash is gone) is dropped from the indexes and not counted.
  keys:    @ns (namespace prefix)
  args:    @olderThanMs @maxTasks (the store sends at most 1000 per call)
  returns: {deleted, orphans dropped} ]]
-- #include common
local ns = @ns
local cutoff = '(' .. fmt(nowMs() - tonumber(@olderThanMs))
local limit = tonumber(@maxTasks)

-- The oldest maxTasks of the three indexes together are among the oldest maxTasks of each.
local candidates = {}
for _, status in ipairs({ 'completed', 'failed', 'cancelled' }) do
  local old = call('ZRANGEBYSCORE', ns .. 's:' .. status, '-inf', cutoff, 'WITHSCORES', 'LIMIT', 0, limit)
  for i = 1, #old, 2 do
    candidates[#candidates + 1] = { old[i], tonumber(old[i + 1]), status }
  end
end
table.sort(candidates, function(a, b) return a[2] < b[2] end)

local deleted, orphans = 0, 0
for i = 1, math.min(limit, #candidates) do
  local id, status = candidates[i][1], candidates[i][3]
  local taskKey = ns .. 't:' .. id
  local taskType = call('HGET', taskKey, 'type')
  if taskType then
    moveIndex(ns, id, taskType, status, nil, 0)
    call('ZREM', ns .. 'all', id)
    call('ZREM', ns .. 'all:' .. taskType, id)
    call('DEL', taskKey)
    deleted = deleted + 1
  else
    dropOrphan(ns, id, ns .. 's:' .. status)
    orphans = orphans + 1
  end
end
return { deleted, orphans }
