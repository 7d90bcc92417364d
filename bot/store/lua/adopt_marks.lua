-- One customer's sending marks moved from the hash the layout before issue 22 kept them in
-- (`sending`: id -> claimed at, ms) into the outbox hash ('~' .. id, see _next.lua), for
-- the replies still waiting there; the old hash goes. Run once per store, at start-up.
-- KEYS: sending, outbox   Returns how many marks were moved.
local marks = redis.call('HGETALL', KEYS[1])
local moved = 0
for j = 1, #marks, 2 do
  if redis.call('HEXISTS', KEYS[2], marks[j]) == 1 then
    redis.call('HSETNX', KEYS[2], '~' .. marks[j], marks[j + 1])
    moved = moved + 1
  end
end
redis.call('DEL', KEYS[1])
return moved
