-- The customer's next reply to send, in commit order, across all processes: one in
-- flight per customer. Bot replies are withdrawn (dropped) when a person holds the
-- conversation. A reply claimed by a process that went quiet for stale_ms (it died)
-- is handed to the caller again, with the same idempotency key.
-- KEYS: outbox, sending, session   ARGV: now_ms, stale_ms
-- Returns {'none'} | {'wait'} | {'send', id, delivery_json}
local ids = redis.call('HKEYS', KEYS[1])
if #ids == 0 then
  return {'none'}
end
table.sort(ids)
local human = redis.call('HGET', KEYS[3], 'm') == 'human'
for _, id in ipairs(ids) do
  local body = redis.call('HGET', KEYS[1], id)
  if human and cjson.decode(body)['origin'] == 'bot' then
    redis.call('HDEL', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
  else
    local since = redis.call('HGET', KEYS[2], id)
    if since and tonumber(ARGV[1]) - tonumber(since) < tonumber(ARGV[2]) then
      return {'wait'}
    end
    redis.call('HSET', KEYS[2], id, ARGV[1])
    return {'send', id, body}
  end
end
return {'none'}
