-- Find customers in one shard of the search index: those filed under every term given,
-- last active between since and till, newest first. Every key shares the shard's tag.
-- Two ways, by the smallest term set: a rare term (an order number, a name) intersects
-- the sets (SINTER) and sorts what it finds; when every term is common (a status, a word
-- half the customers used), it walks the shard's customers newest first and keeps those
-- in every set, stopping at limit: either way it looks at a few thousand members at most.
-- KEYS: recent, then the term keys (none: the shard's most recent conversations)
-- ARGV: since, till, limit, intersect_below (the smallest set's size to intersect under)
-- Returns {customer, at, ...}
local recent = KEYS[1]
local since, till, limit = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local scored = {}
local smallest = math.huge
for i = 2, #KEYS do
  smallest = math.min(smallest, redis.call('SCARD', KEYS[i]))
end
if #KEYS == 1 then
  local rows = redis.call('ZREVRANGEBYSCORE', recent, till, since, 'WITHSCORES',
                          'LIMIT', 0, limit)
  for i = 1, #rows, 2 do scored[#scored + 1] = {rows[i], tonumber(rows[i + 1])} end
elseif smallest == 0 then
  return {}
elseif smallest <= tonumber(ARGV[4]) then
  local upper = till == '+inf' and math.huge or tonumber(till)
  for _, customer in ipairs(redis.call('SINTER', unpack(KEYS, 2))) do
    local at = tonumber(redis.call('ZSCORE', recent, customer) or '-1')
    if at >= since and at <= upper then scored[#scored + 1] = {customer, at} end
  end
  table.sort(scored, function(a, b) return a[2] > b[2] end)
else
  local offset, page = 0, 500
  while #scored < limit do
    local rows = redis.call('ZREVRANGEBYSCORE', recent, till, since, 'WITHSCORES',
                            'LIMIT', offset, page)
    if #rows == 0 then break end
    for i = 1, #rows, 2 do
      local everywhere = true
      for k = 2, #KEYS do
        if redis.call('SISMEMBER', KEYS[k], rows[i]) == 0 then
          everywhere = false
          break
        end
      end
      if everywhere then
        scored[#scored + 1] = {rows[i], tonumber(rows[i + 1])}
        if #scored >= limit then break end
      end
    end
    offset = offset + page
  end
end
local found = {}
for i = 1, math.min(#scored, limit) do
  found[#found + 1] = scored[i][1]
  found[#found + 1] = tostring(scored[i][2])
end
return found
