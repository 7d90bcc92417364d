-- A reply the platform took (or that was given up): out of the outbox with its sending
-- mark; and the next one to send, claimed in the same round trip (see _next.lua).
-- KEYS: outbox, session   ARGV: delivery_id, now_ms, stale_ms
-- #include _next
redis.call('HDEL', KEYS[1], ARGV[1], '~' .. ARGV[1])
return next_send(KEYS[1], KEYS[2], ARGV[2], ARGV[3])
