--[[ Closes a group: quiet for long enough, or settled (still resolving since resolvingSince, so its
  recovery held), or at once. A pending one closes without a word. A notified one writes its
  resolution into the outbox in the same step, so a crash before it is queued loses nothing; none
  when its last notification already said it was over (a "fired and resolved").
  KEYS[1] group           the group's hash
  KEYS[2] quietOpen       open groups that resolve when quiet
  KEYS[3] outbox          notification outbox: id -> entry
  KEYS[4] outboxTimes     outbox: id -> when written
  KEYS[5] due             groups by when their next flush is due
  ARGV[1] now             ms
  ARGV[2] onlyGen         only this generation; '' for any
  ARGV[3] quietMs         only when quiet this long; '' for no such condition
  ARGV[4] fingerprint     the group
  ARGV[5] resolvingSince  only if still resolving since then; '' for no such condition
]]
local group = KEYS[1]
local quietOpen = KEYS[2]
local outbox = KEYS[3]
local outboxTimes = KEYS[4]
local due = KEYS[5]
local now = tonumber(ARGV[1])
local onlyGen = ARGV[2]
local quietMs = ARGV[3]
local fingerprint = ARGV[4]
local resolvingSince = ARGV[5]
local state = redis.call('HGET', group, 'state')
if state ~= 'pending' and state ~= 'open' then
  redis.call('ZREM', quietOpen, fingerprint)
  return false
end
if onlyGen ~= '' and redis.call('HGET', group, 'gen') ~= onlyGen then return false end
local lastSeen = tonumber(redis.call('HGET', group, 'lastSeen'))
local event = redis.call('HGET', group, 'event')
if resolvingSince ~= '' then
  if redis.call('HGET', group, 'resolving') ~= resolvingSince then return false end
  if state == 'pending' then return false end
end
if quietMs ~= '' then
  local quiet = redis.call('HGET', group, 'quiet')
  -- Groups from before the field was kept: the face tells whether the health worker is the source.
  if not quiet then quiet = string.find(event, '"source":"health_probe"', 1, true) and '0' or '1' end
  if quiet == '0' then
    redis.call('ZREM', quietOpen, fingerprint)
    return false
  end
  if now - lastSeen < tonumber(quietMs) then return {'later', lastSeen} end
end
redis.call('HSET', group, 'state', 'resolved', 'resolvedAt', now)
redis.call('ZREM', quietOpen, fingerprint)
redis.call('ZREM', due, fingerprint)
local gen = redis.call('HGET', group, 'gen')
if state == 'pending' or redis.call('HGET', group, 'told') == 'resolved' then return {'silent', gen, event} end
local told = redis.call('HGET', group, 'toldPeople')
local id = 'resolved-' .. fingerprint .. '-' .. gen
local recovered = {}
for _, k in ipairs(redis.call('HKEYS', group)) do
  if string.sub(k, 1, 2) == 'r:' then recovered[#recovered + 1] = string.sub(k, 3) end
end
table.sort(recovered)
local entry = cjson.encode({kind = 'resolution', fingerprint = fingerprint, gen = tonumber(gen),
  recovered = table.concat(recovered, '\n'),
  count = tonumber(redis.call('HGET', group, 'count')), firstSeen = tonumber(redis.call('HGET', group, 'firstSeen')),
  lastSeen = lastSeen, at = now, heldUnderIncident = tonumber(redis.call('HGET', group, 'held') or '0'),
  flaps = tonumber(redis.call('HGET', group, 'flaps') or '0'),
  recoveries = tonumber(redis.call('HGET', group, 'recoveries') or '0'),
  toldPeople = told or '', event = event})
redis.call('HSET', outbox, id, entry)
redis.call('ZADD', outboxTimes, now, id)
return {'resolved', id, entry}
