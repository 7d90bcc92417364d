-- Put a dead letter back into its customer's event stream, for its subscription only.
-- KEYS: hook_dead, hooks
-- ARGV: field (subscription|event id), subscription
-- Returns 1, or 0 when there is no such dead letter (replayed or erased already).
local letter = redis.call('HGET', KEYS[1], ARGV[1])
if not letter then
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('XADD', KEYS[2], '*', 'e', cjson.decode(letter)['body'], 'only', ARGV[2])
return 1
