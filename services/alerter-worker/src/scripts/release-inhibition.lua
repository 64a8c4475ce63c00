--[[ Ends a provider's inhibition when the incident that holds it resolves: only if this generation
  of this group still holds it, so a late resolution never ends the group's next incident, nor
  another incident of the provider that took the mark meanwhile.
  KEYS[1] inhibit  the provider's mark: <fingerprint>:<gen> of the incident group holding it
  ARGV[1] holder   <fingerprint>:<gen> of the group that resolved
]]
local inhibit = KEYS[1]
local holder = ARGV[1]
if redis.call('GET', inhibit) == holder then return redis.call('DEL', inhibit) end
return 0
