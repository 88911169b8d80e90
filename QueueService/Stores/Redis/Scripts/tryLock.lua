--[[ tryLock: takes a named lock for an owner, or renews it when that owner holds it.
  keys:    @lockKey
  args:    @owner @ttlMs
  returns: 1 held by owner now, 0 held by another ]]
local holder = redis.call('GET', @lockKey)
if holder == @owner then
  redis.call('PEXPIRE', @lockKey, @ttlMs)
  return 1
end
if holder then return 0 end
redis.call('SET', @lockKey, @owner, 'PX', @ttlMs)
return 1
