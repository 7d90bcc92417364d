-- File one customer's terms in their shard of the search index. Every key touched shares
-- the shard's hash tag (the term and facet keys are built here from ARGV[1], in the same
-- slot as KEYS), so this is one atomic step on a single server and on a cluster alike.
-- KEYS: doc (hash: v = the session version indexed, f = the facets filed, JSON), recent,
--       terms (set: every term the customer is filed under, so they can be taken out
--       of all of them: a merge, an erasure)
-- ARGV: term_prefix, customer, from_version ('' = a full reindex), to_version, at,
--       facets_json ({"status": ["queued"], "op": ["ana"], "tag": [...], "ch": [...]}:
--       each group named replaces what was filed under it, but "ch" adds), terms...
-- Returns 'ok', or 'gap' when the doc was not at from_version: the terms are added, the
-- version is left as it was, and the caller reindexes the customer whole.
local doc, recent, prefix, customer = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local indexed = tonumber(redis.call('HGET', doc, 'v') or '0')
local answer = 'ok'
if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= indexed then
  answer = 'gap'
end
for i = 7, #ARGV do
  redis.call('SADD', prefix .. ARGV[i], customer)
  redis.call('SADD', KEYS[3], ARGV[i])
end
local facets = cjson.decode(ARGV[6])
local filed = cjson.decode(redis.call('HGET', doc, 'f') or '{}')
for name, values in pairs(facets) do
  local kept = {}
  if name == 'ch' then
    for _, old in ipairs(filed[name] or {}) do kept[old] = true end
  else
    for _, old in ipairs(filed[name] or {}) do
      redis.call('SREM', prefix .. '=' .. name .. ':' .. old, customer)
    end
  end
  for _, value in ipairs(values) do
    redis.call('SADD', prefix .. '=' .. name .. ':' .. value, customer)
    kept[value] = true
  end
  local list = {}
  for value in pairs(kept) do list[#list + 1] = value end
  table.sort(list)
  filed[name] = list
end
redis.call('HSET', doc, 'f', cjson.encode(filed))
if answer == 'ok' then
  redis.call('HSET', doc, 'v', math.max(indexed, tonumber(ARGV[4])))
end
local at = tonumber(ARGV[5])
local before = tonumber(redis.call('ZSCORE', recent, customer) or '0')
if at > before then
  redis.call('ZADD', recent, at, customer)
end
return answer
