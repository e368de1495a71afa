-- Shared by every room script (RedisState prepends it). A room R lives in three keys: presence
-- (member key -> user), users (user -> connections) and seq; its events go to one channel, so the order
-- of PUBLISH calls, which Redis runs one script at a time, is the room's one order on every instance.
local function room_keys(prefix, room)
  local base = prefix .. 'room:' .. room
  return base .. ':presence', base .. ':users', base .. ':seq', base
end

-- Removes one member and appends its Left event; the room ends (seq and presence gone) with its last member.
local function remove_member(prefix, room, key)
  local presence, users, seq, channel = room_keys(prefix, room)
  local user = redis.call('HGET', presence, key)
  if not user then
    return false
  end
  redis.call('HDEL', presence, key)
  local left = redis.call('HINCRBY', users, user, -1)
  local last = left <= 0
  if last then
    redis.call('HDEL', users, user)
  end
  local ended = redis.call('HLEN', presence) == 0
  if ended then
    redis.call('DEL', presence, users, seq)
  end
  redis.call('PUBLISH', channel, cjson.encode({t = 'l', k = key, u = user, last = last, ['end'] = ended}))
  return true
end

-- The member keys in a room that belong to one instance (keys are INSTANCE/SESSION).
local function members_of(prefix, room, instance)
  local presence = room_keys(prefix, room)
  local mine = {}
  local entries = redis.call('HKEYS', presence)
  for i = 1, #entries do
    if string.sub(entries[i], 1, #instance + 1) == instance .. '/' then
      mine[#mine + 1] = entries[i]
    end
  end
  return mine
end
