--[[ Notes a successful delivery: the failing period ends. Answers {since, failures} when it had been
  alerted, so its recovery is told.
  KEYS[1] state  the target's failing state
]]
local state = KEYS[1]
local h = redis.call('HMGET', state, 'since', 'alerted', 'failures')
if not h[1] then return false end
redis.call('DEL', state)
if not h[2] then return false end
return {h[1], h[3] or '0'}
