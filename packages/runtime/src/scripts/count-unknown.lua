--[[ Counts one error the classifier could not place under its signature, in one step, in a set bounded
  by size and by age: past the cap the least recently seen signatures go, and one not seen for ttl goes.
  KEYS[1] index       sorted set: signature → last seen (ms)
  KEYS[2] details     hash: <signature>:n count, :first first seen (ms), :about JSON, :sample text
  ARGV[1] signature
  ARGV[2] now         ms
  ARGV[3] about       JSON: provider, status, code, shape, category, reason, confidence
  ARGV[4] sample      the latest message, redacted
  ARGV[5] cap         signatures kept at most
  ARGV[6] ttl         ms a signature is kept after it was last seen
]]
local index = KEYS[1]
local details = KEYS[2]
local signature = ARGV[1]
local now = tonumber(ARGV[2])
local about = ARGV[3]
local sample = ARGV[4]
local cap = tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])

local function forget(s)
  redis.call('ZREM', index, s)
  redis.call('HDEL', details, s .. ':n', s .. ':first', s .. ':about', s .. ':sample')
end

redis.call('ZADD', index, now, signature)
local count = redis.call('HINCRBY', details, signature .. ':n', 1)
redis.call('HSETNX', details, signature .. ':first', ARGV[2])
redis.call('HSET', details, signature .. ':about', about, signature .. ':sample', sample)

for _, s in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', string.format('(%d', now - ttl))) do forget(s) end

local over = redis.call('ZCARD', index) - cap
if over > 0 then
  -- One spare: the signature just counted may tie the oldest on the clock, and it stays.
  local gone = 0
  for _, s in ipairs(redis.call('ZRANGE', index, 0, over)) do
    if gone < over and s ~= signature then
      forget(s)
      gone = gone + 1
    end
  end
end

redis.call('PEXPIRE', index, ttl)
redis.call('PEXPIRE', details, ttl)
return count
