-- One message of a user's allowance, with RateLimiter's arithmetic step for step (the same doubles in the
-- same order), so every instance answers as a single one would. KEYS[1]: the user's state.
-- ARGV: 'bucket' or 'window', count, per second, window ms, now ms (the caller's clock), idle ttl ms.
local count = tonumber(ARGV[2])
local now = tonumber(ARGV[5])
if ARGV[1] == 'bucket' then
  local per_second = tonumber(ARGV[3])
  local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
  local tokens, last = count, now
  if state[1] then
    tokens, last = tonumber(state[1]), tonumber(state[2])
  end
  local refill = math.max(0, now - last) * per_second / 1000.0
  tokens = math.min(count, tokens + refill)
  local wait = 0
  if tokens >= 1 then
    tokens = tokens - 1
  else
    wait = math.max(1, math.ceil((1 - tokens) * 1000.0 / per_second - 1e-6))
  end
  -- %.17g: the stored double reads back as exactly the same double.
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'last', ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  return wait
end
local window = tonumber(ARGV[4])
local start = now - window
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if head and tonumber(head) <= start then
    redis.call('LPOP', KEYS[1])
  else
    break
  end
end
if redis.call('LLEN', KEYS[1]) < count then
  redis.call('RPUSH', KEYS[1], ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  return 0
end
return math.max(1, tonumber(redis.call('LINDEX', KEYS[1], 0)) + window - now)
