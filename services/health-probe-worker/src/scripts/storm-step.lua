--[[ `nextStorm` (packages/core/src/health/storm.ts) in one step, so replicas count each model once
  and exactly one of them fires the storm, and one ends it; the event that says so goes into the
  health outbox in the same step, so a worker that dies or an alerts queue that refuses it before it
  is published loses nothing. The caller renders that event from the flag as it read it (the firing
  event from its group, the end from the stored one): a flag changed since is 'stale', nothing is
  written, and the caller reads it again. Only the count is left to this script: the event's JSON
  comes in pieces to be joined with it.
  Returns {outcome, count, group, event}: outcome 'fired', 'ended', '' or 'stale'; group the one
  stored when the storm fired; event the JSON written to the outbox.
  KEYS[1] members       the storm's models (sorted set, model → when it entered)
  KEYS[2] flag          set while the storm fires, holding its alert group (JSON)
  KEYS[3] outbox        event id → event JSON
  KEYS[4] outboxTimes   event id → when written
  ARGV[1] expected      the flag as the caller read it ('' for none)
  ARGV[2] now           ms
  ARGV[3] windowMs      how long an entry counts, ms
  ARGV[4] op            'enter' or 'leave'
  ARGV[5] model         the model entering or leaving
  ARGV[6] threshold     more models than this make a storm
  ARGV[7] group         the storm's alert group (JSON), stored while it fires
  ARGV[8] flagTtlMs     how long a firing flag may outlive a lost end, ms
  ARGV[9] eventId       the id of the event it would write
  ARGV[10...] event     the event's JSON, cut where the count goes
]]
local expected = ARGV[1]
local now = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local op = ARGV[4]
local model = ARGV[5]
local threshold = tonumber(ARGV[6])
local group = ARGV[7]
local flagTtlMs = ARGV[8]
local eventId = ARGV[9]
local eventPieces = {unpack(ARGV, 10)}

local stored = redis.call('GET', KEYS[2])
if (stored or '') ~= expected then return {'stale', 0} end

local function writeEvent(count)
  local event = table.concat(eventPieces, tostring(count))
  redis.call('HSET', KEYS[3], eventId, event)
  redis.call('ZADD', KEYS[4], now, eventId)
  return event
end

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
if op == 'enter' then redis.call('ZADD', KEYS[1], now, model) else redis.call('ZREM', KEYS[1], model) end
redis.call('PEXPIRE', KEYS[1], windowMs)
local count = redis.call('ZCARD', KEYS[1])
if count > threshold then
  if stored then return {'', count} end
  redis.call('SET', KEYS[2], group, 'PX', flagTtlMs)
  return {'fired', count, group, writeEvent(count)}
end
if stored then
  redis.call('DEL', KEYS[2])
  return {'ended', count, stored, writeEvent(count)}
end
return {'', count}
