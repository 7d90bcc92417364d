-- Drop the stream entries every subscription has passed; the whole stream, with the
-- positions, when all have passed its last entry (so start-up recovery finds only
-- customers with events waiting; and the next event, read from the start, can never
-- get an id at or below a stale position, as after a clock step back it could).
-- In one script: an event committed meanwhile is either seen here or added after.
-- KEYS: hooks, hook_positions
-- ARGV: subscription...
-- Returns the entries left.
local oldest = nil
for _, name in ipairs(ARGV) do
  local position = redis.call('HGET', KEYS[2], name)
  if not position then
    return redis.call('XLEN', KEYS[1])
  end
  local ms, seq = string.match(position, '^(%d+)-(%d+)$')
  local key = {tonumber(ms), tonumber(seq)}
  if oldest == nil or key[1] < oldest[1] or (key[1] == oldest[1] and key[2] < oldest[2]) then
    oldest = key
  end
end
if oldest == nil then
  return redis.call('XLEN', KEYS[1])
end
local minid = oldest[1] .. '-' .. oldest[2]
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last == 0 or last[1][1] == minid then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 0
end
redis.call('XTRIM', KEYS[1], 'MINID', minid)
return redis.call('XLEN', KEYS[1])
