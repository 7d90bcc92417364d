-- Replace the catalogue unless it is the same document: one version for every process.
-- KEYS: catalogue hash   ARGV: document JSON, its digest, source, now_ms
-- Returns {version, changed (1/0)}.
local held = redis.call('HGET', KEYS[1], 'h')
if held == ARGV[2] then
  return {tonumber(redis.call('HGET', KEYS[1], 'v') or '0'), 0}
end
local version = redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('HSET', KEYS[1], 'd', ARGV[1], 'h', ARGV[2], 's', ARGV[3], 't', ARGV[4])
return {version, 1}
