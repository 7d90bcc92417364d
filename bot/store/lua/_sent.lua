-- Clear sent replies from the outbox, each with its sending mark: ARGV[first..last] are
-- their ids. Scripts of the customer's that follow a send carry them (bot/store/acks.py).
local function clear_sent(outbox, first, last)
  if first > last then
    return
  end
  local fields = {}
  for j = first, last do
    fields[#fields + 1] = ARGV[j]
    fields[#fields + 1] = '~' .. ARGV[j]
  end
  redis.call('HDEL', outbox, unpack(fields))
end
