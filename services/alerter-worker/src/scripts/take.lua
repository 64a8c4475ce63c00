--[[ Takes what happened in a group since its last notification into the outbox, in one step with the
  group's new state; nothing when another replica took it already. A group whose last member
  recovered goes out as "fired and resolved" and closes here when its hold has passed; a test alert
  closes at once (it is not an incident).
  KEYS[1] group        the group's hash
  KEYS[2] quietOpen    open groups that resolve when quiet
  KEYS[3] outbox       notification outbox: id -> entry
  KEYS[4] outboxTimes  outbox: id -> when written
  KEYS[5] due          groups by when their next flush is due
  ARGV[1] now          ms
  ARGV[2] gen          the generation the flush was set for
  ARGV[3] fingerprint  the group
  ARGV[4] flushId      this flush: its retries get the same take back
  ARGV[5] holdMs       ALERT_RESOLVE_HOLD
]]
local group = KEYS[1]
local quietOpen = KEYS[2]
local outbox = KEYS[3]
local outboxTimes = KEYS[4]
local due = KEYS[5]
local now = tonumber(ARGV[1])
local gen = ARGV[2]
local fingerprint = ARGV[3]
local flushId = ARGV[4]
local holdMs = ARGV[5]
local kept = redis.call('HMGET', outbox, flushId, flushId .. '|n')
if kept[1] then return kept end
if redis.call('HGET', group, 'gen') ~= gen then return false end
local state = redis.call('HGET', group, 'state')
if state ~= 'pending' and state ~= 'open' then return false end
-- This flush's notification was queued already: a late retry of it takes nothing more.
if redis.call('HGET', group, 'lastFlush') == flushId then return false end
local count = tonumber(redis.call('HGET', group, 'count'))
local notified = tonumber(redis.call('HGET', group, 'notified'))
redis.call('HSET', group, 'repeatPending', 0)
if state == 'open' and count <= notified then
  redis.call('ZREM', due, fingerprint)
  return false
end
local n = redis.call('HINCRBY', group, 'notifications', 1)
local held = tonumber(redis.call('HGET', group, 'held') or '0')
local heldBefore = tonumber(redis.call('HGET', group, 'heldNotified') or '0')
local lastSeen = redis.call('HGET', group, 'lastSeen')
local resolving = tonumber(redis.call('HGET', group, 'resolving') or '0')
local event = redis.call('HGET', group, 'event')
-- The models it speaks of, each once: probed (m:) or seen in traffic (s:), or both.
local members, named = {}, {}
for _, k in ipairs(redis.call('HKEYS', group)) do
  local p, name = string.sub(k, 1, 2), string.sub(k, 3)
  if (p == 'm:' or p == 's:') and not named[name] then
    named[name] = true
    members[#members + 1] = name
  end
end
table.sort(members)
local closes = string.find(event, '"source":"test"', 1, true) or (resolving > 0 and now - resolving >= tonumber(holdMs))
redis.call('HSET', group, 'state', closes and 'resolved' or 'open', 'notified', count, 'lastNotifiedAt', now,
  'lastFlush', flushId, 'heldNotified', held, 'told', resolving > 0 and 'resolved' or 'firing')
if closes then
  redis.call('HSET', group, 'resolvedAt', now)
  redis.call('ZREM', quietOpen, fingerprint)
elseif redis.call('HGET', group, 'quiet') ~= '0' then
  redis.call('ZADD', quietOpen, lastSeen, fingerprint)
end
local entry = cjson.encode({kind = 'take', fingerprint = fingerprint, gen = tonumber(gen), number = n,
  count = count, previouslyNotified = notified, firstSeen = tonumber(redis.call('HGET', group, 'firstSeen')),
  lastSeen = tonumber(lastSeen), at = now, heldUnderIncident = held - heldBefore,
  flaps = tonumber(redis.call('HGET', group, 'flaps') or '0'),
  recoveries = tonumber(redis.call('HGET', group, 'recoveries') or '0'),
  resolvingSince = resolving > 0 and resolving or false, closed = closes and true or false, members = table.concat(members, '\n'),
  event = event})
redis.call('HSET', outbox, flushId, entry)
redis.call('ZADD', outboxTimes, now, flushId)
redis.call('ZREM', due, fingerprint)
return {entry, false}
