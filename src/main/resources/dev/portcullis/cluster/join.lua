-- ARGV: prefix, room, member key, user, instance rooms set
local prefix, room, key, user = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local presence, users, seq, channel = room_keys(prefix, room)
local again = redis.call('HSETNX', presence, key, user) == 0
local first = false
if not again then
  first = redis.call('HINCRBY', users, user, 1) == 1
  redis.call('SADD', ARGV[5], room)
end
local members = redis.call('HKEYS', users)
redis.call('PUBLISH', channel, cjson.encode({t = 'j', k = key, u = user, again = again, first = first,
  members = members, s = redis.call('GET', seq) or '0'}))
return 1
