-- One of a customer's identities replaced by another (the platform renamed the sender):
-- the new one takes over when the customer last wrote (so a platform's service window
-- carries over), and the old one leaves the customer's lists.
-- KEYS: identities, last_inbound, unreachable   ARGV: old_key, new_key, now_ms
-- Returns 1 when the old identity was the customer's, else 0.
redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3])
local was = redis.call('HDEL', KEYS[1], ARGV[1])
local last = redis.call('HGET', KEYS[2], ARGV[1])
if last then
  redis.call('HSET', KEYS[2], ARGV[2], last)
  redis.call('HDEL', KEYS[2], ARGV[1])
end
redis.call('HDEL', KEYS[3], ARGV[1])
return was
