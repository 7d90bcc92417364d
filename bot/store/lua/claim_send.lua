-- Claim an outgoing message for sending: the point after which it counts as sent.
-- A bot reply is withdrawn instead when a person holds the conversation now.
-- KEYS: outbox, sending, session   ARGV: delivery_id, origin, now_ms
-- Returns 'ok' | 'gone' | 'withdrawn'
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 'gone'
end
if ARGV[2] == 'bot' then
  local mode = redis.call('HGET', KEYS[3], 'm')
  if mode == 'human' then
    redis.call('HDEL', KEYS[1], ARGV[1])
    return 'withdrawn'
  end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 'ok'
