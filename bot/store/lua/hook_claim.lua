-- Claim (subscription, customer) pairs whose next event is due: each is pushed a lease
-- ahead, so only this worker delivers it until it settles, extends or dies.
-- KEYS: due
-- ARGV: now_ms, lease_ms, count
-- Returns the claimed members.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
local until_ms = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], 'XX', until_ms, member)
end
return due
