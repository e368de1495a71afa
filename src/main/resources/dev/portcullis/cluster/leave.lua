-- ARGV: prefix, room, member key, instance rooms set, '1' if the instance has no other member in the room
local removed = remove_member(ARGV[1], ARGV[2], ARGV[3])
if ARGV[5] == '1' then
  redis.call('SREM', ARGV[4], ARGV[2])
end
return removed and 1 or 0
