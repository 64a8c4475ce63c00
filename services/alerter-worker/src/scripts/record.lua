--[[ Counts one firing event into its group, opening it when new or resolved (a new generation).
  Answers {outcome, gen, lastNotifiedAt, told, owed, firstSeen}: outcome new | counted | repeat (a
  repeat or escalation is due now) | stale (older than its recovery), and what the flush it owes
  needs (its id names the group's generation and first event: jobs.ts). The group's timer is part of its state: the due set
  holds when its next flush is owed, so a flush job never added is found by the sweep.
  KEYS[1] group          the group's hash (fields: packages/core/src/alerting/group-lifecycle.ts)
  KEYS[2] index          every group by last event (listing)
  KEYS[3] quietOpen      open groups that resolve when quiet, by last event
  KEYS[4] inhibit        the provider's incident mark
  KEYS[5] due            groups by when their next flush is due
  ARGV[1] now            ms
  ARGV[2] fingerprint    the group
  ARGV[3] event          the event, JSON: the face of a new group
  ARGV[4] repeatMs       ALERT_REPEAT_INTERVAL
  ARGV[5] ttlMs          how long the group lives after its last event
  ARGV[6] rank           severity rank, 0 for a breaker's echo
  ARGV[7] quiet          1: resolves when quiet; 0: only a recovery closes it
  ARGV[8] member         the failing model or @aggregate; '' for none
  ARGV[9] occurredAt     when it happened at its source
  ARGV[10] incident       1: a key's incident that inhibits from its first event
  ARGV[11] model          the event's model, '' for none
  ARGV[12] providerLevel  1: a provider-level group, which names the models it saw
  ARGV[13] waitMs         ALERT_GROUP_WAIT for a new group
]]
local group = KEYS[1]
local index = KEYS[2]
local quietOpen = KEYS[3]
local inhibit = KEYS[4]
local due = KEYS[5]
local now = tonumber(ARGV[1])
local fingerprint = ARGV[2]
local event = ARGV[3]
local repeatMs = ARGV[4]
local ttlMs = ARGV[5]
local rank = ARGV[6]
local quiet = ARGV[7]
local member = ARGV[8]
local occurredAt = tonumber(ARGV[9])
local incident = ARGV[10]
local model = ARGV[11]
local providerLevel = ARGV[12]
local waitMs = ARGV[13]
-- One read of every field the decision needs: this runs for every event, so it is kept small.
local f = redis.call('HMGET', group, 'state', 'gen', 'quiet', 'incident', 'rank', 'repeatPending', 'lastNotifiedAt',
  'resolving', 'm:' .. member, 't:' .. member, 'toldPeople', 's:' .. model, 'firstSeen', 'members', 'resolvedAt')
local state = f[1]
-- A firing older than its member's last recovery (a late delivery) is history: it neither reopens a
-- closed group nor re-adds the member to an open one.
local stale = member ~= '' and occurredAt < tonumber(f[10] or '0')
-- Traffic has no member: a firing older than the recovery (or the quiet close) that ended the last
-- generation is history too, not a new incident.
if member == '' and state == 'resolved' then
  local ended = tonumber(f[8] or '0') > 0 and tonumber(f[8]) or tonumber(f[15] or '0')
  stale = occurredAt < ended
end
if stale and ((not state) or state == 'resolved') then return {'stale', 0, 0} end
redis.call('ZADD', index, now, fingerprint)
-- The listing keeps the 10,000 most recent groups: one entry per group ever seen must not grow forever.
redis.call('ZREMRANGEBYRANK', index, 0, -10001)
if (not state) or state == 'resolved' then
  -- Members of an earlier generation that closed by quiet or TTL must not keep this one open.
  for _, k in ipairs(redis.call('HKEYS', group)) do
    local p = string.sub(k, 1, 2)
    if p == 'm:' or p == 'r:' or p == 's:' then redis.call('HDEL', group, k) end
  end
  local gen = redis.call('HINCRBY', group, 'gen', 1)
  redis.call('HSET', group, 'state', 'pending', 'count', 1, 'notified', 0, 'notifications', 0,
    'firstSeen', now, 'lastSeen', now, 'lastNotifiedAt', 0, 'repeatPending', 0, 'event', event, 'rank', rank,
    'quiet', quiet, 'incident', 0, 'held', 0, 'heldNotified', 0, 'toldPeople', 0,
    'members', member ~= '' and 1 or 0, 'resolving', 0, 'recoveries', 0, 'flaps', 0, 'told', '')
  if member ~= '' then redis.call('HSET', group, 'm:' .. member, occurredAt) end
  if incident == '1' then
    -- A key's incident holds its provider's single-model alerts from its first event, not its first
    -- notification: a critical model's own alert, flushed first, would otherwise go out beside it.
    redis.call('HSET', group, 'incident', 1)
    redis.call('SET', inhibit, fingerprint .. ':' .. gen, 'PX', ttlMs)
  end
  if providerLevel == '1' and member == '' and model ~= '' then redis.call('HSET', group, 's:' .. model, 1) end
  redis.call('PEXPIRE', group, ttlMs)
  -- The group's timer is part of its state: a flush job that was never added is found by the sweep.
  redis.call('ZADD', due, now + tonumber(waitMs), fingerprint)
  return {'new', gen, 0, 1, '', now}
end
local gen = tonumber(f[2])
local groupQuiet = f[3]
local set = {'lastSeen', now}
local resolving = tonumber(f[8] or '0')
-- A firing older than the recovery it races (a late delivery) is history, not a new failure: for a
-- member, older than its own recovery (a member that never recovered is failing whenever it failed).
local late = stale or (member == '' and occurredAt < resolving)
-- A member keeps its latest failure's time: a recovery older than it ends an earlier incident.
if member ~= '' and not late and (not f[9] or occurredAt > tonumber(f[9])) then
  set[#set + 1] = 'm:' .. member
  set[#set + 1] = occurredAt
  if not f[9] then redis.call('HINCRBY', group, 'members', 1) end
end
-- A failure during the hold keeps the group open. It is a flap when it came after a recovery (not a
-- member failing since before the hold whose news arrived late).
local reopened = resolving > 0 and not late
local flapped = reopened and not (member ~= '' and not f[10] and occurredAt < resolving)
if flapped then redis.call('HINCRBY', group, 'flaps', 1) end
if reopened then
  set[#set + 1] = 'resolving'
  set[#set + 1] = 0
  set[#set + 1] = 'told'
  set[#set + 1] = 'firing'
end
-- One health event in a group is enough to make its silence meaningless.
if quiet == '0' and groupQuiet ~= '0' then
  groupQuiet = '0'
  set[#set + 1] = 'quiet'
  set[#set + 1] = 0
  redis.call('ZREM', quietOpen, fingerprint)
end
-- Traffic that reopens a group none of whose members still fails: no recovery will come for it (the
-- probes saw them recover), so it closes when the traffic is quiet for ALERT_RESOLVE_AFTER.
if reopened and member == '' and tonumber(f[14] or '0') == 0 and groupQuiet == '0' then
  groupQuiet = '1'
  set[#set + 1] = 'quiet'
  set[#set + 1] = 1
end
if state == 'open' and groupQuiet ~= '0' then redis.call('ZADD', quietOpen, now, fingerprint) end
-- An incident inhibits for as long as its group is open: each of its events renews the mark (and takes
-- it back from another incident of the provider that resolved meanwhile). A pending one set it with
-- its first event, for longer than it can stay pending.
if incident == '1' and f[4] ~= '1' then
  set[#set + 1] = 'incident'
  set[#set + 1] = 1
  redis.call('SET', inhibit, fingerprint .. ':' .. gen, 'PX', ttlMs)
elseif state == 'open' and f[4] == '1' then
  redis.call('SET', inhibit, fingerprint .. ':' .. gen, 'PX', ttlMs)
end
-- The models traffic saw failing in a provider-level group (an incident, a digest): it names them,
-- and an incident speaks for them (the probes' are members).
if providerLevel == '1' and member == '' and model ~= '' and not f[12] then
  set[#set + 1] = 's:' .. model
  set[#set + 1] = 1
end
-- A more severe event becomes the group's face (a model's first failure, then its critical outage),
-- and an open group notifies again at once instead of waiting for the repeat interval; history does not.
local escalated = not late and tonumber(rank) > tonumber(f[5] or '0')
if escalated then
  set[#set + 1] = 'event'
  set[#set + 1] = event
  set[#set + 1] = 'rank'
  set[#set + 1] = rank
end
-- Whether people heard of it: an open group they did not hear of may need telling once it is sustained.
local result = {'counted', gen, tonumber(f[7]) or 0, state == 'open' and f[11] ~= '1' and 0 or 1,
  state == 'pending' and 'first' or (f[6] == '1' and 'repeat' or ''), tonumber(f[13])}
if state == 'open' and f[6] == '0' then
  local last = tonumber(f[7])
  -- A flap of a group people have not heard of tells them now, once: a flapping incident is one.
  if escalated or now - last >= tonumber(repeatMs) or (flapped and f[11] ~= '1') then
    set[#set + 1] = 'repeatPending'
    set[#set + 1] = 1
    redis.call('ZADD', due, now, fingerprint)
    result = {'repeat', gen, last, 1, '', tonumber(f[13])}
  end
end
redis.call('HINCRBY', group, 'count', 1)
redis.call('HSET', group, unpack(set))
redis.call('PEXPIRE', group, ttlMs)
return result
