--[[ list: one page of tasks. A status lists its index in that status's order (queued by run
  score, scheduled by due time, processing by lease expiry ascending; finished newest first);
  no status lists every task newest created first. O(log N + page).
  keys:    @ns (namespace prefix)
  args:    @status ('' for any) @queue ('' for every queue) @offset @limit
  returns: {total, view...} where each view is as get returns it ]]
-- #include common
local ns = @ns
local status = @status
local indexKey = (status == '' and ns .. 'all' or ns .. 's:' .. status)
if @queue ~= '' then indexKey = indexKey .. ':' .. @queue end
local first = tonumber(@offset)
local last = first + tonumber(@limit) - 1
local ascending = status == 'queued' or status == 'scheduled' or status == 'processing'
local ids
if ascending then ids = call('ZRANGE', indexKey, first, last) else ids = call('ZREVRANGE', indexKey, first, last) end
local out = { call('ZCARD', indexKey) }
for i = 1, #ids do
  local view = taskView(ns, ns .. 't:' .. ids[i])
  if view then out[#out + 1] = view end
end
return out
