-- Record what happened to one recipient of a campaign, once: the first time a
-- (customer, kind) pair is recorded its counter goes up; a turn that runs again after a
-- crash records the same pair and counts nothing more.
-- KEYS: outcome (hash), stats (hash)   ARGV: field (<customer>|<kind>), value, counter
-- Returns 1 when it was new.
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
  return 1
end
return 0
