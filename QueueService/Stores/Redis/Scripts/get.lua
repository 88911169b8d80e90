--[[ get: reads one task with what its position and estimated wait need, in one round trip.
  keys:    @ns (namespace prefix) @taskKey
  args:    (none)
  returns: {fields (HGETALL), rank in its queue or -1, the queue's avgMs or nil, processing count}
           | nil when no task has that id ]]
-- #include common
return taskView(@ns, @taskKey)
