-- Take a customer out of their shard of the search index: out of every term set they
-- were filed under (their term list), every facet, the recent list; their document and
-- term list go. Every key shares the shard's hash tag.
-- KEYS: doc, recent, terms   ARGV: term_prefix, customer   Returns the terms left.
local prefix, customer = ARGV[1], ARGV[2]
local terms = redis.call('SMEMBERS', KEYS[3])
for _, term in ipairs(terms) do
  redis.call('SREM', prefix .. term, customer)
end
local filed = cjson.decode(redis.call('HGET', KEYS[1], 'f') or '{}')
for name, values in pairs(filed) do
  for _, value in ipairs(values) do
    redis.call('SREM', prefix .. '=' .. name .. ':' .. value, customer)
  end
end
redis.call('ZREM', KEYS[2], customer)
redis.call('DEL', KEYS[1], KEYS[3])
return #terms
