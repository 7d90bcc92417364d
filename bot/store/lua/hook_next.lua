-- A claim's next run of events for one subscription: move the subscription's position
-- past what the claim has delivered (clearing its failed attempts), and read what follows.
-- With entries left after a run, the claim is kept a lease longer; with none and ARGV[6] = '1', it is
-- let go (the pair leaves the due set) and the stream trimmed. On one server the due set
-- is KEYS[3] and this is one step: a commit landing meanwhile is either read here or
-- rings the pair after it left (its ZADD NX finds it gone). On a cluster the due set
-- lives in another slot: the caller takes the pair out first, then asks again (release).
-- Drop the stream entries every subscription has passed; the whole stream, with the
-- positions, when all have passed its last entry (so start-up recovery finds only
-- customers with events waiting; and the next event, read from the start, can never
-- get an id at or below a stale position, as after a clock step back it could).
-- Returns the entries left.
local function trim_passed(hooks, positions, names)
  local oldest = nil
  for _, name in ipairs(names) do
    local position = redis.call('HGET', positions, name)
    if not position then
      return redis.call('XLEN', hooks)
    end
    local ms, seq = string.match(position, '^(%d+)-(%d+)$')
    local key = {tonumber(ms), tonumber(seq)}
    if oldest == nil or key[1] < oldest[1] or (key[1] == oldest[1] and key[2] < oldest[2]) then
      oldest = key
    end
  end
  if oldest == nil then
    return redis.call('XLEN', hooks)
  end
  local minid = oldest[1] .. '-' .. oldest[2]
  local last = redis.call('XREVRANGE', hooks, '+', '-', 'COUNT', 1)
  if #last == 0 or last[1][1] == minid then
    redis.call('DEL', hooks, positions)
    return 0
  end
  redis.call('XTRIM', hooks, 'MINID', minid)
  return redis.call('XLEN', hooks)
end
-- KEYS: hooks, hook_positions[, due]
-- ARGV: subscription, position ('' = unchanged), count, member, lease_until_ms,
--       release ('1' | '0'), subscription names to trim by...
-- Returns the entries read, XRANGE's shape ({} when none is left).
local name = ARGV[1]
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[2], name, ARGV[2])
  redis.call('HDEL', KEYS[2], name .. ':a', name .. ':f')
end
local position = redis.call('HGET', KEYS[2], name)
local start = position and ('(' .. position) or '-'
local entries = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', ARGV[3])
if #entries > 0 then
  if KEYS[3] and ARGV[2] ~= '' then -- a later run (the first follows its claim at once)
    redis.call('ZADD', KEYS[3], 'XX', ARGV[5], ARGV[4])
  end
  return entries
end
if ARGV[6] == '1' then
  if KEYS[3] then
    redis.call('ZREM', KEYS[3], ARGV[4])
  end
  local names = {}
  for i = 7, #ARGV do
    names[#names + 1] = ARGV[i]
  end
  trim_passed(KEYS[1], KEYS[2], names)
end
return entries
