-- Claim the customer's next reply to send (see _next.lua).
-- KEYS: outbox, session   ARGV: now_ms, stale_ms
-- #include _next
return next_send(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
