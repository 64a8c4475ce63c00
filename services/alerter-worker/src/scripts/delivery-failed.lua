--[[ Notes a failed delivery attempt of a target. Answers {since, failures} when this failure is the
  one that should raise the "delivery failing" meta-alert (decided once across replicas).
  KEYS[1] state         the target's failing state
  ARGV[1] now           ms
  ARGV[2] lastError     the last error
  ARGV[3] alertAfterMs  DELIVERY_FAILING_ALERT_AFTER
  ARGV[4] ttlMs         how long the state lives
]]
local state = KEYS[1]
local now = tonumber(ARGV[1])
local lastError = ARGV[2]
local alertAfterMs = tonumber(ARGV[3])
local ttlMs = ARGV[4]
redis.call('HSETNX', state, 'since', now)
redis.call('HSET', state, 'lastError', lastError)
local failures = redis.call('HINCRBY', state, 'failures', 1)
redis.call('PEXPIRE', state, ttlMs)
local since = tonumber(redis.call('HGET', state, 'since'))
if now - since < alertAfterMs then return false end
if redis.call('HSETNX', state, 'alerted', now) == 1 or redis.call('HEXISTS', state, 'queued') == 0 then
  return {tostring(since), tostring(failures)}
end
return false
