-- Find customers in one shard of the search index: those filed under every term given,
-- last active between since and till, newest first. Every key shares the shard's tag.
-- KEYS: recent, then the term keys (none: the shard's most recent conversations)
-- ARGV: since, till, limit
-- Returns {customer, at, ...}
local recent = KEYS[1]
local since, till, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local scored = {}
if #KEYS == 1 then
  local rows = redis.call('ZREVRANGEBYSCORE', recent, till, since, 'WITHSCORES',
                          'LIMIT', 0, limit)
  for i = 1, #rows, 2 do scored[#scored + 1] = {rows[i], tonumber(rows[i + 1])} end
else
  local members = redis.call('SINTER', unpack(KEYS, 2))
  for _, customer in ipairs(members) do
    local at = tonumber(redis.call('ZSCORE', recent, customer) or '-1')
    if at >= since and at <= till then scored[#scored + 1] = {customer, at} end
  end
  table.sort(scored, function(a, b) return a[2] > b[2] end)
end
local found = {}
for i = 1, math.min(#scored, limit) do
  found[#found + 1] = scored[i][1]
  found[#found + 1] = tostring(scored[i][2])
end
return found
