--[[ checkServer: reads the eviction policy of the node that holds the namespace. Not a transition:
  a read run as a script because StackExchange.Redis sends INFO only on admin connections, and a
  production connection is not one. The namespace key routes it to the right node (Cluster too).
  keys:    @ns (namespace prefix; not read, routes the call)
  args:    (none)
  returns: the maxmemory-policy name, or nil when INFO does not report one ]]
local info = redis.call('INFO', 'memory')
return string.match(info, 'maxmemory_policy:([%w%-]+)')
