--[[ importMeta: what a restore takes from a snapshot besides its tasks: the epoch when the store holds
  none, the sequence when the snapshot's is higher, and each queue's counters and average where the
  store has none. List-shaped (a variable number of queues), so raw KEYS/ARGV.
  keys:    KEYS[1] namespace prefix
  args:    ARGV[1] epoch, ARGV[2] seq, ARGV[3] queue count n; then 5 per queue: type completed failed enqueued avgMs ('' = none)
  returns: the epoch the store holds now ]]
-- #include common
local ns = KEYS[1]
if ARGV[1] ~= '' then call('SET', ns .. 'epoch', ARGV[1], 'NX') end
if tonumber(ARGV[2]) > tonumber(call('GET', ns .. 'seq') or '0') then call('SET', ns .. 'seq', ARGV[2]) end
local stats = ns .. 'stats'
for i = 1, tonumber(ARGV[3]) do
  local base = 3 + (i - 1) * 5
  local taskType = ARGV[base + 1]
  call('HSETNX', stats, 'completed:' .. taskType, ARGV[base + 2])
  call('HSETNX', stats, 'failed:' .. taskType, ARGV[base + 3])
  call('HSETNX', stats, 'enqueued:' .. taskType, ARGV[base + 4])
  if ARGV[base + 5] ~= '' then call('HSETNX', stats, 'avgMs:' .. taskType, ARGV[base + 5]) end
end
return call('GET', ns .. 'epoch')
