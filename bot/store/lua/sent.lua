-- Replies the platform took (or that were given up): out of the outbox with their sending
-- marks; and the next one to send, claimed in the same round trip (see _next.lua).
-- KEYS: outbox, session   ARGV: now_ms, stale_ms, delivery_id...
-- #include _next
-- #include _sent
clear_sent(KEYS[1], 3, #ARGV)
return next_send(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
