-- Record one inbox item for a customer (a message, or an operator action when
-- identity_key is ''), and claim the customer's turn if free.
-- KEYS: identities, seen, inbox, lease, session, last_inbound, outbox[, doorbells]
-- ARGV: identity_key, dedupe_id, now_ms, item_json, token, lease_ms, forget_before_ms,
--       link, customer_id, doorbells_max_length ('' without doorbells), sent_id...
--       (forget_before_ms '0': the dedupe set is not pruned this time: the caller prunes
--       on one message in a few, each pruning all that is past the window)
--       (lease_ms '0': record only, never claim: a web process leaves turns to workers;
--       link '1': the caller just read this customer from the identity's own key, so the
--       identity is added to the customer's list (idempotent, and it repairs a crash
--       between the two writes of a first contact) instead of checked)
-- sent_id...: replies of the customer's sent since their last script call, cleared from
-- the outbox first, whatever the answer (see _sent.lua).
-- With an 8th key (a stream, on a single server only: on a cluster it lives in another
-- slot), a recorded item also rings its doorbell, in the same atomic step: first, so a
-- failure records nothing, and for duplicates too, so a redelivery rings again.
-- Returns {'moved'} | {'duplicate'} | {'queued'} |
--         {'claimed', version, session_json, profile_json, head_item_json}
--   head_item_json is '' when the head is the item just recorded (alone in the inbox):
--   the caller has it already, so it is not sent back over the wire
-- #include _sent
clear_sent(KEYS[7], 11, #ARGV)
if ARGV[1] ~= '' then
  if ARGV[8] == '1' then
    redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[3])
  elseif redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
    return {'moved'}
  end
end
if KEYS[8] then
  redis.call('XADD', KEYS[8], 'MAXLEN', '~', ARGV[10], '*', 'c', ARGV[9])
end
if redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[2]) == 0 then
  return {'duplicate'}
end
if ARGV[7] ~= '0' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[7])
end
if ARGV[1] ~= '' then
  redis.call('HSET', KEYS[6], ARGV[1], ARGV[3])
end
local waiting = redis.call('RPUSH', KEYS[3], ARGV[4])
if ARGV[6] ~= '0' and redis.call('SET', KEYS[4], ARGV[5], 'NX', 'PX', ARGV[6]) then
  local s = redis.call('HMGET', KEYS[5], 'v', 'd', 'p')
  -- alone in the inbox, the item just recorded is its head: neither read nor sent back
  local head = waiting == 1 and '' or redis.call('LINDEX', KEYS[3], 0)
  return {'claimed', s[1] or '0', s[2] or '', s[3] or '', head}
end
return {'queued'}
