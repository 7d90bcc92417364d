-- The customer's next reply to send, in commit order, one in flight per customer across
-- all processes. Bot replies are withdrawn when a person holds the conversation. A reply
-- claimed by a process quiet for stale_ms (it died) is handed out again.
-- The outbox hash holds each reply (id -> delivery_json) and, from its claim until it is
-- sent, its sending mark ('~' .. id -> when it was claimed, ms): HKEYS tells which replies
-- are claimed, so only a claimed one's mark is read.
-- mode: the session's mode when the caller knows it (the commit just wrote it), else nil
-- (read here); written: id -> delivery_json of replies the caller is committing, else nil:
-- they are stored here, in the one HSET that also writes the claim (none is being sent,
-- their ids hold the new version; a bot reply withdrawn before it is stored is not stored).
-- Returns {'none'} | {'wait'} | {'send', id, delivery_json}; delivery_json is '' when the
-- reply is one of ``written``: the caller has it already (not sent back over the wire).
local function next_send(outbox, session, now_ms, stale_ms, mode, written)
  local ids, marked, present = {}, {}, {}
  for _, field in ipairs(redis.call('HKEYS', outbox)) do
    if string.byte(field, 1) == 126 then -- '~'
      marked[string.sub(field, 2)] = true
    else
      ids[#ids + 1] = field
      present[field] = true
    end
  end
  for id in pairs(written or {}) do
    if not present[id] then
      ids[#ids + 1] = id
    end
  end
  if #ids == 0 then
    return {'none'}
  end
  table.sort(ids)
  local human = (mode or redis.call('HGET', session, 'm')) == 'human'
  local answer, store, dropped = {'none'}, {}, {}
  for _, id in ipairs(ids) do
    local new = written and written[id]
    local body = new or redis.call('HGET', outbox, id)
    if human and cjson.decode(body)['origin'] == 'bot' then
      if new then
        dropped[id] = true
      else
        redis.call('HDEL', outbox, id, '~' .. id)
      end
    else
      local since = marked[id] and redis.call('HGET', outbox, '~' .. id)
      if since and tonumber(now_ms) - tonumber(since) < tonumber(stale_ms) then
        answer = {'wait'}
      else
        answer = {'send', id, new and '' or body}
        store = {'~' .. id, now_ms}
      end
      break
    end
  end
  for id, body in pairs(written or {}) do
    if not dropped[id] then
      store[#store + 1] = id
      store[#store + 1] = body
    end
  end
  if #store > 0 then
    redis.call('HSET', outbox, unpack(store))
  end
  return answer
end
