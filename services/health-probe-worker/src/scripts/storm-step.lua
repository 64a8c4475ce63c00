--[[ `nextStorm` (packages/core/src/health/storm.ts) in one step, so replicas count each model once
  and exactly one of them publishes the storm, and one its end. Returns {outcome, count, group}:
  outcome 'fired', 'ended' or ''; group the one stored when the storm fired.
  KEYS[1] members     the storm's models (sorted set, model → when it entered)
  KEYS[2] flag        set while the storm fires, holding its alert group (JSON)
  ARGV[1] now         ms
  ARGV[2] windowMs    how long an entry counts, ms
  ARGV[3] op          'enter' or 'leave'
  ARGV[4] model       the model entering or leaving
  ARGV[5] threshold   more models than this make a storm
  ARGV[6] group       the storm's alert group (JSON), stored while it fires
  ARGV[7] flagTtlMs   how long a firing flag may outlive a lost end, ms
]]
local now = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local op = ARGV[3]
local model = ARGV[4]
local threshold = tonumber(ARGV[5])
local group = ARGV[6]
local flagTtlMs = ARGV[7]

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
if op == 'enter' then redis.call('ZADD', KEYS[1], now, model) else redis.call('ZREM', KEYS[1], model) end
redis.call('PEXPIRE', KEYS[1], windowMs)
local count = redis.call('ZCARD', KEYS[1])
if count > threshold then
  if redis.call('SET', KEYS[2], group, 'NX', 'PX', flagTtlMs) then return {'fired', count, group} end
  return {'', count}
end
local stored = redis.call('GET', KEYS[2])
if stored then
  redis.call('DEL', KEYS[2])
  return {'ended', count, stored}
end
return {'', count}
