--[[ completeAndLease: a worker's hot path in one round trip: records its finished tasks (processing -> completed,
  each as complete does, each on its own: a refused one changes nothing and does not stop the rest), then leases
  as lease does, filling the slots those completions freed (includes/completeTasks.lua, includes/leaseTasks.lua).
  List-shaped, so evaluated with raw KEYS/ARGV (see RedisScripts), never with named parameters.
  keys:    KEYS[1] namespace prefix; KEYS[1 + i] hash of completed task i (c of them); then the queued index of
           each queue to lease from
  args:    ARGV[1] c, ARGV[2] workerId, ARGV[3] maxTasks (0: complete only), ARGV[4] leaseMs, ARGV[5] promoteBatch,
           ARGV[6] averageWeight; then 3 per completion: leaseToken, hasResult (1|0), resultJson
  events:  completed (n, w) per recorded completion, then queued per promoted task, then started (n, w, t) per lease
  returns: {c codes, one per completion in order: 0 | -1 not found | -6 lease not held (StoreError); then orphans
           dropped; then 9 per lease as lease returns them} ]]
-- #include common
-- #include completeTasks
-- #include leaseTasks
local ns = KEYS[1]
local count = tonumber(ARGV[1])
local now = nowMs()
local out = {}
local done = newCompletions(now)
for i = 1, count do
  local base = 6 + (i - 1) * 3
  local resultJson = false
  if ARGV[base + 2] == '1' then resultJson = ARGV[base + 3] end
  out[i] = completeTask(ns, KEYS[1 + i], ARGV[base + 1], resultJson, now, done)
end
finishCompletions(ns, done, tonumber(ARGV[6]))

local maxTasks = tonumber(ARGV[3])
local orphans = 0
if maxTasks > 0 then
  local _, promotedOrphans = promoteDue(ns, now, tonumber(ARGV[5]))
  local queueKeys = {}
  for q = 2 + count, #KEYS do queueKeys[#queueKeys + 1] = KEYS[q] end
  out[count + 1] = 0
  orphans = promotedOrphans + leaseTasks(ns, queueKeys, ARGV[2], maxTasks, tonumber(ARGV[4]), now, out)
end
out[count + 1] = orphans
publishEvents(ns)
return out
