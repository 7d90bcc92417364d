-- A campaign's message reached its customer's turn: if the campaign is paused, hold the
-- recipient back (campaign_status.lua puts them in the queue again on resume), in the same
-- step as reading the status, so a resume that lands meanwhile never strands them.
-- KEYS: meta (hash), held (sorted set)   ARGV: member, now_ms
-- Returns the campaign's status (nil: no such campaign).
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'paused' then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
end
return status
