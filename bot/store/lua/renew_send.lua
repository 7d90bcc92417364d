-- Keep a reply's send claim fresh while its sender waits to retry (a long rate limit), so
-- no other process takes it over as stale; only the claim this sender holds: the value it
-- wrote (the claim's time in ms) must still be its sending mark. Returns 1, or 0 when the
-- claim is gone (sent, withdrawn) or was taken over (this sender was paused past the stale
-- time). KEYS: outbox   ARGV: delivery_id, claimed_ms, now_ms
local mark = '~' .. ARGV[1]
if redis.call('HGET', KEYS[1], mark) ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], mark, ARGV[3])
return 1
