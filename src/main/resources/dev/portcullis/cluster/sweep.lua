-- Removes the members of instances that are gone, with their Left events. ARGV: prefix, and either '*'
-- (every instance whose liveness key has expired: it crashed) or one instance id (it is closing).
local prefix = ARGV[1]
local instances
if ARGV[2] == '*' then
  instances = redis.call('SMEMBERS', prefix .. 'instances')
else
  instances = {ARGV[2]}
end
local removed = 0
for i = 1, #instances do
  local id = instances[i]
  if ARGV[2] ~= '*' or redis.call('EXISTS', prefix .. 'instance:' .. id) == 0 then
    local rooms_key = prefix .. 'instance:' .. id .. ':rooms'
    local rooms = redis.call('SMEMBERS', rooms_key)
    for r = 1, #rooms do
      local members = members_of(prefix, rooms[r], id)
      for m = 1, #members do
        if remove_member(prefix, rooms[r], members[m]) then
          removed = removed + 1
        end
      end
    end
    redis.call('DEL', rooms_key, prefix .. 'instance:' .. id)
    redis.call('SREM', prefix .. 'instances', id)
  end
end
return removed
