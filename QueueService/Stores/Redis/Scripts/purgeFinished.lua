--[[ purgeFinished: deletes up to maxTasks completed, failed and cancelled tasks that finished
  before now - olderThanMs, with every index entry. Counters in stats are lifetime totals and stay.
  An orphan (an id whose task hash is gone) is dropped from the indexes and not counted.
  keys:    @ns (namespace prefix)
  args:    @olderThanMs @maxTasks
  returns: {deleted, orphans dropped} ]]
-- #include common
local ns = @ns
local cutoff = nowMs() - tonumber(@olderThanMs)
local left = tonumber(@maxTasks)
local deleted, orphans = 0, 0
for _, status in ipairs({ 'completed', 'failed', 'cancelled' }) do
  if left <= 0 then break end
  local old = call('ZRANGEBYSCORE', ns .. 's:' .. status, '-inf', '(' .. fmt(cutoff), 'LIMIT', 0, left)
  for i = 1, #old do
    local id = old[i]
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
  left = left - #old
end
return { deleted, orphans }
