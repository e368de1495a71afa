-- After a reconnect: makes this instance's presence in a room what the instance knows, and keeps seq from
-- going backwards if Redis lost the room. ARGV: prefix, room, instance, instance rooms set, last seq
-- delivered here, then member key and user pairs.
local prefix, room, instance = ARGV[1], ARGV[2], ARGV[3]
local presence, users, seq = room_keys(prefix, room)
local keep = {}
for i = 6, #ARGV, 2 do
  keep[ARGV[i]] = true
end
-- Members that left, or whose join failed half-way, while Redis was out of reach: the others hear they left.
local stale = members_of(prefix, room, instance)
for i = 1, #stale do
  if not keep[stale[i]] then
    remove_member(prefix, room, stale[i])
  end
end
if #ARGV < 6 then
  redis.call('SREM', ARGV[4], room)
  return 0
end
-- Members Redis forgot (it restarted empty, or a sweep took us for dead) come back without an event: the
-- other instances never heard them leave.
for i = 6, #ARGV, 2 do
  if redis.call('HSETNX', presence, ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('HINCRBY', users, ARGV[i + 1], 1)
  end
end
local current = tonumber(redis.call('GET', seq) or '0')
if current < tonumber(ARGV[5]) then
  redis.call('SET', seq, ARGV[5])
end
redis.call('SADD', ARGV[4], room)
return 1
