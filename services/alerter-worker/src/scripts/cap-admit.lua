--[[ ALERT_MAX_PER_HOUR per delivery target. Answers 0 send, 1 held, 2 held and the first held this
  hour (schedule the summary). The verdict is kept per notification, so a dispatch retried after a
  failure is counted once and gets the same answer.
  KEYS[1] count     notifications admitted to the target this hour
  KEYS[2] heldTitles titles held back this hour
  KEYS[3] verdicts  notification id -> verdict
  ARGV[1] max       ALERT_MAX_PER_HOUR
  ARGV[2] title     the notification's title
  ARGV[3] id        the notification
]]
local count = KEYS[1]
local heldTitles = KEYS[2]
local verdicts = KEYS[3]
local max = tonumber(ARGV[1])
local title = ARGV[2]
local id = ARGV[3]
local prior = redis.call('HGET', verdicts, id)
if prior then return tonumber(prior) end
local verdict = 0
local n = redis.call('INCR', count)
redis.call('PEXPIRE', count, 7200000)
if n > max then
  local held = redis.call('RPUSH', heldTitles, title)
  redis.call('LTRIM', heldTitles, 0, 199)
  redis.call('PEXPIRE', heldTitles, 7200000)
  verdict = held == 1 and 2 or 1
end
redis.call('HSET', verdicts, id, verdict)
redis.call('PEXPIRE', verdicts, 7200000)
return verdict
