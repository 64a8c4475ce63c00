--[[ Ends a firing aggregate only if its flag is still what the caller read (compare-and-set), and
  writes the end's event, rendered from the group that flag stored, into the health outbox in the
  same step: a worker that dies, or an alerts queue that refuses the write, before it is published
  loses nothing. Returns 1 if it ended it, 0 if the flag changed (ended or re-opened by another).
  KEYS[1] flag          set while the aggregate fires, holding its alert group (JSON)
  KEYS[2] outbox        event id → event JSON
  KEYS[3] outboxTimes   event id → when written
  ARGV[1] expected      the flag as the caller read it
  ARGV[2] now           ms
  ARGV[3] eventId       the end's event id
  ARGV[4] event         the end's event (JSON)
]]
local expected = ARGV[1]
local now = ARGV[2]
local eventId = ARGV[3]
local event = ARGV[4]

if redis.call('GET', KEYS[1]) ~= expected then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], eventId, event)
redis.call('ZADD', KEYS[3], now, eventId)
return 1
