-- The customer's next reply to send, in commit order, one in flight per customer across
-- all processes. Bot replies are withdrawn when a person holds the conversation. A reply
-- claimed by a process quiet for stale_ms (it died) is handed out again.
-- mode: the session's mode when the caller knows it (the commit just wrote it), else nil
-- (read here); written: id -> delivery_json of replies the caller just wrote, else nil
-- (their bodies need not be read back, nor their sending marks looked up).
-- Returns {'none'} | {'wait'} | {'send', id, delivery_json}
local function next_send(outbox, sending, session, now_ms, stale_ms, mode, written)
  local ids = redis.call('HKEYS', outbox)
  if #ids == 0 then
    return {'none'}
  end
  table.sort(ids)
  local human = (mode or redis.call('HGET', session, 'm')) == 'human'
  for _, id in ipairs(ids) do
    local body = written and written[id] or redis.call('HGET', outbox, id)
    if human and cjson.decode(body)['origin'] == 'bot' then
      redis.call('HDEL', outbox, id)
      redis.call('HDEL', sending, id)
    else
      -- a reply of this commit is new (its id holds the new version): not being sent
      local since = not (written and written[id]) and redis.call('HGET', sending, id)
      if since and tonumber(now_ms) - tonumber(since) < tonumber(stale_ms) then
        return {'wait'}
      end
      redis.call('HSET', sending, id, now_ms)
      return {'send', id, body}
    end
  end
  return {'none'}
end
