--[[ A recovery of one member: it leaves the group; when it was the last, the group starts resolving
  (ALERT_RESOLVE_HOLD later it closes, unless it fires again). Answers hold | holding | partial |
  stray (not failing here) | stale (older than the failure it would end), or nil when not open.
  KEYS[1] group   the group's hash
  ARGV[1] member  the recovered model or @aggregate; '' speaks for the whole group
  ARGV[2] at      when it recovered at its source
  ARGV[3] ttlMs   how long the group lives
]]
local group = KEYS[1]
local member = ARGV[1]
local at = ARGV[2]
local ttlMs = ARGV[3]
-- Each member's last recovery is kept (a tombstone, for the group's life) so that a firing delivered
-- late, older than it, changes nothing (see RECORD).
if member ~= '' and tonumber(redis.call('HGET', group, 't:' .. member) or '0') < tonumber(at) then
  redis.call('HSET', group, 't:' .. member, at)
  redis.call('PEXPIRE', group, ttlMs)
end
local state = redis.call('HGET', group, 'state')
if state ~= 'pending' and state ~= 'open' then return false end
local count = redis.call('HGET', group, 'members')
if member == '' then
  -- A recovery from a producer without members (not the health worker) speaks for the whole group.
  for _, k in ipairs(redis.call('HKEYS', group)) do
    if string.sub(k, 1, 2) == 'm:' then
      redis.call('HDEL', group, k)
      redis.call('HSET', group, 'r:' .. string.sub(k, 3), at)
    end
  end
  redis.call('HSET', group, 'members', 0)
elseif count then
  local since = redis.call('HGET', group, 'm:' .. member)
  if not since then return {'stray'} end
  -- A recovery older than the failure it would end belongs to an earlier incident of that member.
  if tonumber(since) > tonumber(at) then return {'stale'} end
  redis.call('HDEL', group, 'm:' .. member)
  redis.call('HSET', group, 'r:' .. member, at)
  if redis.call('HINCRBY', group, 'members', -1) > 0 then return {'partial'} end
end
if tonumber(redis.call('HGET', group, 'resolving') or '0') > 0 then return {'holding'} end
redis.call('HSET', group, 'resolving', at)
redis.call('HINCRBY', group, 'recoveries', 1)
return {'hold', redis.call('HGET', group, 'gen'), at}
