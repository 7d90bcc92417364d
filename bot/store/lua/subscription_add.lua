-- Store a webhook subscription made through the API unless the store holds the most it
-- keeps already: the count and the write in one step, so requests made at the same time
-- cannot take it past the limit together.
-- KEYS[1]: the subscriptions hash. ARGV: the limit, the subscription's id, its JSON.
-- Returns 1 when stored, 0 when the store is full.
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return 1
