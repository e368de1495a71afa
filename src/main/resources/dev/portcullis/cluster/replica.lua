-- Revocations and blocks. Every change bumps a version and is announced on the events channel with it, in
-- the same script, so an instance that loads a snapshot knows which announcements it already contains.
-- KEYS: version, revoked tokens, revoked users, blocks. ARGV: events channel, operation, now ms, ...
-- Times are epoch milliseconds kept as strings: Lua would print large numbers in exponent form.
local channel, op, now = ARGV[1], ARGV[2], tonumber(ARGV[3])

local function announce(event)
  local v = redis.call('INCR', KEYS[1])
  event.v = tostring(v)
  redis.call('PUBLISH', channel, cjson.encode(event))
  return v
end

-- A token stays revoked until the later of the two ends. Returns the version, or 0 when nothing changed
-- and quiet is set (a re-seed announces only what the cluster did not know).
local function revoke_token(key, subject, ends, quiet)
  local current = redis.call('HGET', KEYS[2], key)
  if current then
    local c = cjson.decode(current)
    if tonumber(c.u) >= tonumber(ends) then
      if quiet then
        return 0
      end
      ends = c.u
    end
  end
  redis.call('HSET', KEYS[2], key, cjson.encode({u = ends, s = subject}))
  return announce({t = 'tok', k = key, s = subject, u = ends})
end

-- Cutoffs nest (every token issued before the later one), so the later cutoff and the later end stand.
local function revoke_user(user, before, ends, quiet)
  local current = redis.call('HGET', KEYS[3], user)
  if current then
    local c = cjson.decode(current)
    local later_before, later_until = tonumber(c.b) >= tonumber(before), tonumber(c.u) >= tonumber(ends)
    if later_before and later_until and quiet then
      return 0
    end
    if later_before then before = c.b end
    if later_until then ends = c.u end
  end
  redis.call('HSET', KEYS[3], user, cjson.encode({b = before, u = ends}))
  return announce({t = 'usr', n = user, b = before, u = ends})
end

if op == 'token' then
  return revoke_token(ARGV[4], ARGV[5], ARGV[6], false)
elseif op == 'user' then
  return revoke_user(ARGV[4], ARGV[5], ARGV[6], false)
elseif op == 'block' then
  -- A longer block in force stands; either way every instance hears of it and closes the user's sessions.
  local user, ends, reason = ARGV[4], ARGV[5], ARGV[6]
  local current = redis.call('HGET', KEYS[4], user)
  if current then
    local c = cjson.decode(current)
    if tonumber(c.u) > tonumber(ends) and tonumber(c.u) > now then
      ends, reason = c.u, c.r
    end
  end
  redis.call('HSET', KEYS[4], user, cjson.encode({u = ends, r = reason}))
  local v = announce({t = 'blk', n = user, u = ends, r = reason})
  return {v, ends, reason}
elseif op == 'unblock' then
  local current = redis.call('HGET', KEYS[4], ARGV[4])
  if not current then
    return {0, 0}
  end
  redis.call('HDEL', KEYS[4], ARGV[4])
  local had = tonumber(cjson.decode(current).u) > now
  return {announce({t = 'unb', n = ARGV[4]}), had and 1 or 0}
elseif op == 'seed' then
  -- ARGV[4]: {"tok":[[key,subject,ends]],"usr":[[user,before,ends]],"blk":[[user,ends,reason]]}
  local seed = cjson.decode(ARGV[4])
  for _, e in ipairs(seed.tok) do revoke_token(e[1], e[2], e[3], true) end
  for _, e in ipairs(seed.usr) do revoke_user(e[1], e[2], e[3], true) end
  for _, e in ipairs(seed.blk) do
    local current = redis.call('HGET', KEYS[4], e[1])
    if not current or tonumber(cjson.decode(current).u) < tonumber(e[2]) then
      redis.call('HSET', KEYS[4], e[1], cjson.encode({u = e[2], r = e[3]}))
      announce({t = 'blk', n = e[1], u = e[2], r = e[3]})
    end
  end
  return 1
elseif op == 'snapshot' then
  return {redis.call('GET', KEYS[1]) or '0', redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]),
    redis.call('HGETALL', KEYS[4])}
elseif op == 'prune' then
  -- Entries whose end has passed cover nothing any more; replicas drop them by time on their own.
  local pruned = 0
  for k = 2, 4 do
    local entries = redis.call('HGETALL', KEYS[k])
    for i = 1, #entries, 2 do
      if tonumber(cjson.decode(entries[i + 1]).u) <= now then
        redis.call('HDEL', KEYS[k], entries[i])
        pruned = pruned + 1
      end
    end
  end
  return pruned
end
return redis.error_reply('unknown operation')
