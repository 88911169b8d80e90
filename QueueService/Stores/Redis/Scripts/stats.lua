--[[ stats: counts per queue and status, lifetime totals and moving averages. O(queues).
  keys:    @ns (namespace prefix)
  args:    (none)
  returns: {nowMs, row...} where row is {queue, queued, scheduled, processing, completed, failed,
           cancelled, enqueuedTotal, completedTotal, failedTotal, avgMs or nil} ]]
-- #include common
local ns = @ns
local out = { nowMs() }
local queues = call('SMEMBERS', ns .. 'types')
for i = 1, #queues do
  local q = queues[i]
  local row = { q }
  for _, status in ipairs({ 'queued', 'scheduled', 'processing', 'completed', 'failed', 'cancelled' }) do
    row[#row + 1] = call('ZCARD', ns .. 's:' .. status .. ':' .. q)
  end
  local totals = call('HMGET', ns .. 'stats', 'enqueued:' .. q, 'completed:' .. q, 'failed:' .. q, 'avgMs:' .. q)
  row[#row + 1] = totals[1] or 0
  row[#row + 1] = totals[2] or 0
  row[#row + 1] = totals[3] or 0
  row[#row + 1] = totals[4]
  out[#out + 1] = row
end
return out
