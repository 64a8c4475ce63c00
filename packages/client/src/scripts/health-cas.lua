--[[ Sets a model's health only if it is still what the caller read (compare-and-set), and writes the
  events the change makes (a health transition) into the health outbox in the same step: a worker
  that dies, or an alerts queue that refuses the write, before they are published loses none. The
  model is listed in its writer's index; health written by traffic alone expires after `ttlMs` (the
  TTL renewed by each write), and so does its place in the traffic index; a probe's write keeps it.
  KEYS[1] health        the model's health (JSON)
  KEYS[2] outbox        event id → event JSON
  KEYS[3] outboxTimes   event id → when written
  KEYS[4] index         the writer's index of models (model key → when written)
  ARGV[1] expected      the value read ('' for none)
  ARGV[2] next          the new value
  ARGV[3] now           ms
  ARGV[4] ttlMs         how long health written by traffic lives; 0 for a probe's write (kept)
  ARGV[5] model         the model's key, its member in the index
  ARGV[6...] events     id, JSON pairs
]]
local expected = ARGV[1]
local nextHealth = ARGV[2]
local now = tonumber(ARGV[3])
local ttlMs = tonumber(ARGV[4])
local model = ARGV[5]
local firstEvent = 6

local current = redis.call('GET', KEYS[1])
if (current or '') ~= expected then return 0 end
if ttlMs > 0 then
  redis.call('SET', KEYS[1], nextHealth, 'PX', ttlMs)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - ttlMs)
else
  redis.call('SET', KEYS[1], nextHealth)
end
redis.call('ZADD', KEYS[4], now, model)
for i = firstEvent, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[3], now, ARGV[i])
end
return 1
