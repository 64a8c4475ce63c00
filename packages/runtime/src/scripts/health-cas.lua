--[[ Sets a model's health only if it is still what the caller read (compare-and-set), and writes the
  events the change makes (a health transition) into the health outbox in the same step: a worker
  that dies, or an alerts queue that refuses the write, before they are published loses none.
  KEYS[1] health        the model's health (JSON)
  KEYS[2] outbox        event id → event JSON
  KEYS[3] outboxTimes   event id → when written
  ARGV[1] expected      the value read ('' for none)
  ARGV[2] next          the new value
  ARGV[3] now           ms
  ARGV[4...] events     id, JSON pairs
]]
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[i])
end
return 1
