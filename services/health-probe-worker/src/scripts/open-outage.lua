--[[ `isProviderOutage` (packages/core/src/health/aggregates.ts) and the firing flag in one step:
  read apart, a probe that saw a peer still failing could re-open an outage that peer's recovery had
  just ended. The outage's event goes into the health outbox in the same step. Returns 1 for the one
  caller that opened it, else 0.
  KEYS[1] flag          set while the outage fires, holding its alert group (JSON)
  KEYS[2] outbox        event id → event JSON
  KEYS[3] outboxTimes   event id → when written
  ARGV[1] group         the outage's alert group (JSON)
  ARGV[2] flagTtlMs     how long a firing flag may outlive a lost end, ms
  ARGV[3] now           ms
  ARGV[4] eventId       the outage's event id
  ARGV[5] event         the outage's event (JSON)
  ARGV[6...] healths    each watched model's health key: luaScript has no variadic KEYS, and these
                        share the flag's hash tag, so they are in its cluster slot
]]
local group = ARGV[1]
local flagTtlMs = ARGV[2]
local now = ARGV[3]
local eventId = ARGV[4]
local event = ARGV[5]
local firstHealth = 6

if #ARGV < firstHealth then return 0 end
for i = firstHealth, #ARGV do
  local raw = redis.call('GET', ARGV[i])
  if not raw then return 0 end
  local h = cjson.decode(raw)
  if not ((tonumber(h.consecutiveFailures) or 0) > 0 or h.breaker == 'open') then return 0 end
end
if not redis.call('SET', KEYS[1], group, 'NX', 'PX', flagTtlMs) then return 0 end
redis.call('HSET', KEYS[2], eventId, event)
redis.call('ZADD', KEYS[3], now, eventId)
return 1
