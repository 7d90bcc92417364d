-- Commit one turn atomically: session (compare-and-set on lease token and version),
-- history events and outgoing messages; pop the processed inbound message; hand back the
-- next waiting message while keeping the lease, or release it.
-- When the conversation leaves the bot (an operator takes it), bot replies not yet
-- claimed for sending are withdrawn in the same step: none goes out after the takeover.
-- KEYS: lease, session, inbox, events, outbox, sending
-- ARGV: token, expected_version, session_json, profile_json ('' = unchanged),
--       history_limit, lease_ms, n_events, n_outbox, mode, events...,
--       (outbox_id, outbox_json)...
-- Returns {'stale'} | {'next', new_version, head_item_json, withdrawn} |
--         {'done', new_version, withdrawn}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {'stale'}
end
local version = tonumber(redis.call('HGET', KEYS[2], 'v') or '0')
if version ~= tonumber(ARGV[2]) then
  return {'stale'}
end
local new_version = version + 1
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], 'v', new_version, 'd', ARGV[3], 'p', ARGV[4], 'm', ARGV[9])
else
  redis.call('HSET', KEYS[2], 'v', new_version, 'd', ARGV[3], 'm', ARGV[9])
end
local withdrawn = 0
if ARGV[9] == 'human' then
  local pending = redis.call('HGETALL', KEYS[5])
  for j = 1, #pending, 2 do
    if redis.call('HEXISTS', KEYS[6], pending[j]) == 0
        and cjson.decode(pending[j + 1])['origin'] == 'bot' then
      redis.call('HDEL', KEYS[5], pending[j])
      withdrawn = withdrawn + 1
    end
  end
end
redis.call('LPOP', KEYS[3])
local n_events = tonumber(ARGV[7])
local n_outbox = tonumber(ARGV[8])
local i = 10
if n_events > 0 then
  redis.call('RPUSH', KEYS[4], unpack(ARGV, i, i + n_events - 1))
  redis.call('LTRIM', KEYS[4], -tonumber(ARGV[5]), -1)
end
i = i + n_events
for _ = 1, n_outbox do
  redis.call('HSET', KEYS[5], ARGV[i], ARGV[i + 1])
  i = i + 2
end
local head = redis.call('LINDEX', KEYS[3], 0)
if head then
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  return {'next', new_version, head, withdrawn}
end
redis.call('DEL', KEYS[1])
return {'done', new_version, withdrawn}
