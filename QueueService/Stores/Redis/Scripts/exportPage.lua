--[[ exportPage: one page of tasks for a backup, in creation order: the `all` index is scored by the
  creation sequence, which never changes, so paging on it reads each task once however the tasks move
  between statuses meanwhile. Read only: an orphan id (hash gone) is skipped, not dropped.
  keys:    @ns (namespace prefix)
  args:    @afterSeq (the last creation sequence of the previous page; -1 first) @limit
  returns: { lastSeq (or -1 when the page is empty), ids read, then per task: { createdSeq, HGETALL pairs } } ]]
-- #include common
local entries = call('ZRANGEBYSCORE', @ns .. 'all', '(' .. @afterSeq, '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(@limit))
local out = { '-1', 0 }
for i = 1, #entries, 2 do
  local fields = call('HGETALL', @ns .. 't:' .. entries[i])
  out[1] = entries[i + 1]
  out[2] = out[2] + 1
  if #fields > 0 then out[#out + 1] = { entries[i + 1], fields } end
end
return out
