-- ARGV: prefix, room, member key, user, payload, id ('' with has-id '0' for none), has-id, timestamp
local presence, users, seq, channel = room_keys(ARGV[1], ARGV[2])
if redis.call('EXISTS', presence) == 0 then
  return -1
end
local n = redis.call('INCR', seq)
local id = nil
if ARGV[7] == '1' then
  id = ARGV[6]
end
redis.call('PUBLISH', channel, cjson.encode({t = 'm', k = ARGV[3], u = ARGV[4], p = ARGV[5], i = id,
  s = tostring(n), ts = ARGV[8]}))
return n
