-- Record a platform's delivery status in the customer's history, once: a redelivered
-- status (same channel, message id and status) is remembered in the dedupe set and
-- dropped, like a redelivered message.
-- KEYS: identities, seen, events
-- ARGV: identity_key, dedupe_id, now_ms, forget_before_ms, event_json, history_limit
-- Returns 'moved' (the identity is no longer this customer's) | 'duplicate' | 'recorded'
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 'moved'
end
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  return 'duplicate'
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
redis.call('RPUSH', KEYS[3], ARGV[5])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[6]), -1)
return 'recorded'
