-- Move a campaign from one of the given states to another, in one step: two processes
-- that both see a campaign end agree that exactly one of them finished it.
-- KEYS: meta (hash)   ARGV: to, at_ms, from...
-- Returns 1 when it moved.
local now = redis.call('HGET', KEYS[1], 'status')
for i = 3, #ARGV do
  if now == ARGV[i] then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'status_at', ARGV[2])
    return 1
  end
end
return 0
