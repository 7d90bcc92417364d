-- What a campaign's segment looks at for one customer, in one command: the session's and
-- the profile's JSON, then for each identity its key, why it cannot be reached (or
-- false) and when the customer last wrote from it in ms (or false). One flat array: the
-- client reads it without a nested reply per hash. All four keys share the customer's
-- hash tag. Marks and times of identities no longer linked are not sent (no one asks).
-- KEYS: session, identities, unreachable, last_inbound
-- Returns {session JSON or false, profile JSON or false, key, mark, last_ms, key, ...}
local fields = redis.call('HMGET', KEYS[1], 'd', 'p')
local found = {fields[1], fields[2]}
local ids = redis.call('HKEYS', KEYS[2])
if #ids == 0 then
  return found
end
local marks = redis.call('HMGET', KEYS[3], unpack(ids))
local last = redis.call('HMGET', KEYS[4], unpack(ids))
for i = 1, #ids do
  found[#found + 1] = ids[i]
  found[#found + 1] = marks[i]
  found[#found + 1] = last[i]
end
return found
