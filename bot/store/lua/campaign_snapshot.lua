-- What a campaign's segment looks at for one customer, in one command: the session's and
-- the profile's JSON, the identities, the unreachable marks, when they last wrote from
-- each identity. All four keys share the customer's hash tag.
-- KEYS: session, identities, unreachable, last_inbound
-- Returns {session JSON or false, profile JSON or false, {ids}, {field, value...}, {field, value...}}
local fields = redis.call('HMGET', KEYS[1], 'd', 'p')
return {fields[1], fields[2], redis.call('HKEYS', KEYS[2]),
        redis.call('HGETALL', KEYS[3]), redis.call('HGETALL', KEYS[4])}
