-- Claim due reminders for this process: each is pushed claim_ms into the future, so no
-- other process claims it meanwhile; whoever claimed it removes it once it is queued
-- in its customer's inbox (a claim whose process died comes due again).
-- KEYS: due (sorted set)   ARGV: now_ms, claim_ms, limit
-- Returns the claimed members.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
local until_ms = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], until_ms, member)
end
return due
