-- The customer an identity belongs to, created on first contact: one round trip whether
-- the identity is known or new, and two first contacts at once agree on one customer.
-- KEYS: identity   ARGV: customer_id (a new one, used only when the identity has none)
-- Returns the customer id.
local customer = redis.call('GET', KEYS[1])
if customer then
  return customer
end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
