-- Claim a customer whose inbox has waiting messages (recovery after a crash).
-- KEYS: lease, session, inbox
-- ARGV: token, lease_ms
-- Returns {'empty'} | {'busy', pttl} | {'claimed', version, session_json, profile_json, head}
local head = redis.call('LINDEX', KEYS[3], 0)
if not head then
  return {'empty'}
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local s = redis.call('HMGET', KEYS[2], 'v', 'd', 'p')
  return {'claimed', s[1] or '0', s[2] or '', s[3] or '', head}
end
return {'busy', redis.call('PTTL', KEYS[1])}
