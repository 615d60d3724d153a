-- wrk script: POST a 1 KiB JSON event; the path is given as wrk's URL.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local tags = {}
for i = 1, 30 do tags[#tags + 1] = string.format('{"id":%d,"name":"tag-%d"}', i, i) end
wrk.body = '{"event":"pet.created","petname":"Gromit","petstatus":"sold","tags":[' .. table.concat(tags, ",") .. ']}'
