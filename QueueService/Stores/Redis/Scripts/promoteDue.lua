--[[ promoteDue: scheduled -> queued for up to maxTasks tasks whose time has come (new sequence:
  the back of their priority); publishes each queue that got work.
  keys:    @ns (namespace prefix)
  args:    @maxTasks
  returns: how many were promoted ]]
-- #include common
return promoteDue(@ns, nowMs(), tonumber(@maxTasks))
