-- Take or renew an exclusive, expiring lease (e.g. "the one Telegram poller").
-- KEYS: lease   ARGV: holder, ttl_ms   Returns 1 when the caller holds it now, else 0.
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] or (not current and redis.call('SET', KEYS[1], ARGV[1], 'NX')) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
