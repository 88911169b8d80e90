--[[ exportMeta: what a backup reads before its pages of tasks.
  keys:    @ns (namespace prefix)
  returns: { epoch or false, seq (0 when none), now ms, stats hash (HGETALL pairs) } ]]
-- #include common
local epoch = call('GET', @ns .. 'epoch')
local seq = tonumber(call('GET', @ns .. 'seq') or '0')
return { epoch, fmt(seq), fmt(nowMs()), call('HGETALL', @ns .. 'stats') }
