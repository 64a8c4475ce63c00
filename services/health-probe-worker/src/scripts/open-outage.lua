--[[ `isProviderOutage` (packages/core/src/health/aggregates.ts) and the firing flag in one step:
  read apart, a probe that saw a peer still failing could re-open an outage that peer's recovery had
  just ended. Returns 1 for the one caller that opened it, else 0.
  KEYS[1] flag         set while the outage fires, holding its alert group (JSON)
  ARGV[1] group        the outage's alert group (JSON)
  ARGV[2] flagTtlMs    how long a firing flag may outlive a lost end, ms
  ARGV[3...] healths   each watched model's health key: luaScript has no variadic KEYS, and these
                       share the flag's hash tag, so they are in its cluster slot
]]
local group = ARGV[1]
local flagTtlMs = ARGV[2]
local firstHealth = 3

if #ARGV < firstHealth then return 0 end
for i = firstHealth, #ARGV do
  local raw = redis.call('GET', ARGV[i])
  if not raw then return 0 end
  local h = cjson.decode(raw)
  if not ((tonumber(h.consecutiveFailures) or 0) > 0 or h.breaker == 'open') then return 0 end
end
if redis.call('SET', KEYS[1], group, 'NX', 'PX', flagTtlMs) then return 1 end
return 0
