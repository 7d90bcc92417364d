-- Move a campaign from one of the given states to another, in one step: two processes
-- that both see a campaign end agree that exactly one of them finished it.
-- KEYS: meta (hash)[, queue (sorted set), held (sorted set)]   ARGV: to, at_ms, from...
-- Leaving 'paused' (resume or cancel), the recipients turns held back while it was paused
-- (campaign_hold.lua) go back into the queue, due now, in the same step; and the
-- campaign's round goes up, so the ids its messages are queued under from now on are new
-- ones (the inbox remembers the old ones as duplicates).
-- Returns 1 when it moved.
local now = redis.call('HGET', KEYS[1], 'status')
for i = 3, #ARGV do
  if now == ARGV[i] then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'status_at', ARGV[2])
    if KEYS[3] and now == 'paused' then
      redis.call('HINCRBY', KEYS[1], 'round', 1)
      local held = redis.call('ZRANGE', KEYS[3], 0, -1)
      for first = 1, #held, 500 do
        local args = {}
        for j = first, math.min(first + 499, #held) do
          args[#args + 1] = ARGV[2]
          args[#args + 1] = held[j]
        end
        redis.call('ZADD', KEYS[2], 'NX', unpack(args))
      end
      redis.call('DEL', KEYS[3])
    end
    return 1
  end
end
return 0
