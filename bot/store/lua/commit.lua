-- Commit one turn atomically: session (compare-and-set on lease token and version),
-- history events and outgoing messages; pop the processed inbound message; hand back the
-- next waiting message while keeping the lease, or release it.
-- When the conversation leaves the bot (an operator takes it), bot replies not yet
-- claimed for sending are withdrawn in the same step: none goes out after the takeover.
-- With replies, the first one to send is claimed in the same step (see _next.lua).
-- With event webhooks, the turn's business events are appended to the customer's event
-- stream in the same step (a transactional outbox, see bot/store/hooks.py).
-- KEYS: lease, session, inbox, events, outbox[, hooks[, hooks_due]]
-- ARGV: token, expected_version, session_json, profile_json ('' = unchanged),
--       history_limit, lease_ms, n_events, n_outbox, mode, now_ms, stale_ms, n_sent,
--       sent_id... (replies sent since, cleared first: see _sent.lua), events...,
--       (outbox_id, outbox_json)...[, n_hooks, hook_json...[, n_due, due_member...]]
-- Returns {'stale'} | {status, new_version, withdrawn, head_item_json or '', send...}
--   status 'next' (the lease is kept for head) or 'done' (released); send is the
--   next_send answer when there were replies, else {'none'}
-- #include _next
-- #include _sent
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
  local claimed = {} -- the sending marks ('~' .. id, see _next.lua)
  for j = 1, #pending, 2 do
    if string.byte(pending[j], 1) == 126 then
      claimed[string.sub(pending[j], 2)] = true
    end
  end
  for j = 1, #pending, 2 do
    local id = pending[j]
    if string.byte(id, 1) ~= 126 and not claimed[id]
        and cjson.decode(pending[j + 1])['origin'] == 'bot' then
      redis.call('HDEL', KEYS[5], id)
      withdrawn = withdrawn + 1
    end
  end
end
redis.call('LPOP', KEYS[3])
local n_events = tonumber(ARGV[7])
local n_outbox = tonumber(ARGV[8])
local n_sent = tonumber(ARGV[12])
clear_sent(KEYS[5], 13, 12 + n_sent)
local i = 13 + n_sent
if n_events > 0 then
  -- Let past the cap by a sixteenth, then trimmed back to it in one go: a history at its
  -- cap is trimmed once every limit/16 events, not on every turn (trimming a long list's
  -- head on every turn cost a fifth more server CPU per message: bench/README.md).
  local limit = tonumber(ARGV[5])
  local slack = math.floor(limit / 16)
  if redis.call('RPUSH', KEYS[4], unpack(ARGV, i, i + n_events - 1)) > limit + slack then
    redis.call('LTRIM', KEYS[4], -limit, -1)
  end
end
i = i + n_events
local written = {} -- stored by next_send below, with the claim, in one HSET
for _ = 1, n_outbox do
  written[ARGV[i]] = ARGV[i + 1]
  i = i + 2
end
local n_hooks = tonumber(ARGV[i] or '0')
i = i + 1
for _ = 1, n_hooks do
  redis.call('XADD', KEYS[6], '*', 'e', ARGV[i])
  i = i + 1
end
if n_hooks > 0 and KEYS[7] then
  local n_due = tonumber(ARGV[i])
  for j = i + 1, i + n_due do
    redis.call('ZADD', KEYS[7], 'NX', ARGV[10], ARGV[j])
  end
end
local send = {'none'}
if n_outbox > 0 then
  send = next_send(KEYS[5], KEYS[2], ARGV[10], ARGV[11], ARGV[9], written)
end
local head = redis.call('LINDEX', KEYS[3], 0)
local status = 'done'
if head then
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  status = 'next'
else
  redis.call('DEL', KEYS[1])
  head = ''
end
return {status, new_version, withdrawn, head, send[1], send[2] or '', send[3] or ''}
