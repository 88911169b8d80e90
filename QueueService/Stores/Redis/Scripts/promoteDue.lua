--[[ promoteDue: scheduled -> queued for up to maxTasks tasks whose time has come (new sequence:
  the back of their priority); publishes each queue that got work. An orphan (an id whose task
  hash is gone) is dropped from the indexes and not counted.
  keys:    @ns (namespace prefix)
  args:    @maxTasks
  events:  queued per promoted task
  returns: {promoted, orphans dropped} ]]
-- #include common
local promoted, orphans = promoteDue(@ns, nowMs(), tonumber(@maxTasks))
publishEvents(@ns)
return { promoted, orphans }
