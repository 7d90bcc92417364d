-- Take one token from a bucket shared by every process (a rate limit that holds across
-- sockets and processes: reading, deciding and writing happen in one atomic step).
-- The bucket holds at most ARGV[1] tokens and refills continuously, all of them in
-- ARGV[2] milliseconds; a missing bucket is full. It expires once it would be full again.
-- KEYS: bucket   ARGV: capacity, refill_ms, now_ms   Returns 1 when a token was taken, else 0.
local capacity = tonumber(ARGV[1])
local refill_ms = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * capacity / refill_ms)
end
local taken = 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(math.max(now, at)))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * refill_ms / capacity) + 1000)
return taken
