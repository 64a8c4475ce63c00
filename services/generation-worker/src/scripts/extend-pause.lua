--[[ Pauses a provider for at least `ms`: only ever extends, so a shorter pause never cuts a longer
  one that another worker set (SET has no "greater than" for a TTL).
  KEYS[1] pause   the provider's pause flag
  ARGV[1] ms      how long to pause, ms
]]
local ms = tonumber(ARGV[1])

if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], 1, 'PX', ms) end
return 1
