--[[ Keeps the first notification decided for a take (a retry re-reads facts that may have changed
  since) and applies, once, what deciding it does to other groups: a provider-wide group that
  notifies starts inhibiting its provider's single-model alerts, and an inhibited alert is counted
  under that incident.
  KEYS[1] outbox         notification outbox: id -> entry, id|n -> the notification decided
  KEYS[2] group          the taken group's hash
  KEYS[3] inhibit        its provider's incident mark
  KEYS[4] heldUnder      the incident group it is held under (or its own group)
  ARGV[1] id             the outbox entry
  ARGV[2] notification   the notification decided, JSON
  ARGV[3] gen            the taken generation
  ARGV[4] fingerprint    the taken group
  ARGV[5] ttlMs          how long an incident mark lives
  ARGV[6] opensIncident  1: it starts inhibiting its provider
  ARGV[7] notify         1: it reaches people
  ARGV[8] heldGen        the incident group's generation; '' when not held
]]
local outbox = KEYS[1]
local group = KEYS[2]
local inhibit = KEYS[3]
local heldUnder = KEYS[4]
local id = ARGV[1]
local notification = ARGV[2]
local gen = ARGV[3]
local fingerprint = ARGV[4]
local ttlMs = ARGV[5]
local opensIncident = ARGV[6]
local notify = ARGV[7]
local heldGen = ARGV[8]
-- Already queued by another hand (a retry, the sweep): queueing it again adds nothing, so no effects.
if redis.call('HEXISTS', outbox, id) == 0 then return notification end
local nkey = id .. '|n'
if redis.call('HSETNX', outbox, nkey, notification) == 0 then return redis.call('HGET', outbox, nkey) end
local current = redis.call('HGET', group, 'gen') == gen and redis.call('HGET', group, 'state') == 'open'
if current and notify == '1' then redis.call('HSET', group, 'toldPeople', 1) end
if current and opensIncident == '1' then
  redis.call('HSET', group, 'incident', 1)
  redis.call('SET', inhibit, fingerprint .. ':' .. gen, 'PX', ttlMs)
end
if heldGen ~= '' and redis.call('HGET', heldUnder, 'gen') == heldGen and redis.call('HGET', heldUnder, 'state') == 'open' then
  redis.call('HINCRBY', heldUnder, 'held', 1)
end
return notification
