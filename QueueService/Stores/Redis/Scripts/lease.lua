--[[ lease: queued -> processing for up to maxTasks tasks of the listed queues, lowest run score
  across all of them first (priority, then global FIFO). Due scheduled tasks of any queue are
  promoted first (at most promoteBatch). Each leased task: attempts + 1, startedAt = now, a new
  lease token from the sequence, progress cleared (includes/leaseTasks.lua).
  List-shaped, so evaluated with raw KEYS/ARGV (see RedisScripts), never with named parameters.
  keys:    KEYS[1] namespace prefix; KEYS[1 + q] queued index of queue q
  args:    ARGV[1] workerId, ARGV[2] maxTasks, ARGV[3] leaseMs, ARGV[4] promoteBatch
  events:  queued per promoted task, then started (n, w, t = lease token) per lease
  returns: {orphans dropped, then 9 per lease, in run order: id, type, payloadJson, priority,
           attempt, maxRetries, leaseToken, leaseExpiresAtMs, createdAtMs} ]]
-- #include common
-- #include leaseTasks
local ns = KEYS[1]
local now = nowMs()
local _, orphans = promoteDue(ns, now, tonumber(ARGV[4]))
local queueKeys = {}
for q = 2, #KEYS do queueKeys[#queueKeys + 1] = KEYS[q] end
local out = { 0 }
out[1] = orphans + leaseTasks(ns, queueKeys, ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), now, out)
publishEvents(ns)
return out
