-- Sent replies of several customers out of their outboxes, each with its sending mark:
-- the acknowledgements that waited their delay (bot/store/acks.py), in one call. Only on
-- a single server: the outboxes of different customers live in different cluster slots.
-- KEYS: outbox...   ARGV: for each outbox in turn, how many ids, then those ids
-- #include _sent
local at = 1
for i = 1, #KEYS do
  local count = tonumber(ARGV[at])
  clear_sent(KEYS[i], at + 1, at + count)
  at = at + count + 1
end
return #KEYS
