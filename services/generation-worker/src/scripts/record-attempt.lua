--[[ Adds one attempt's outcome to its run summary at most once: the attempt's marker is set with
  HSETNX in the same step, so a replayed attempt counts nothing twice, and several worker processes
  add to one hash. Returns 1 if it counted, 0 for a replay.
  KEYS[1] summary     the run summary (field → count)
  KEYS[2] attempts    the attempts it counted (attempt id → 1)
  ARGV[1] attempt     job id and attempt number
  ARGV[2...] fields   field, increment pairs
]]
local attempt = ARGV[1]
local weekMs = 604800000

if redis.call('HSETNX', KEYS[2], attempt, 1) == 0 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], tonumber(ARGV[i + 1])) end
redis.call('PEXPIRE', KEYS[1], weekMs)
redis.call('PEXPIRE', KEYS[2], weekMs)
return 1
