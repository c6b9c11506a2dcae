-- POST /api/v1/auth/login as a random user (they all share one password).
-- args: usernames file, password.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local usernames, password

function init(args)
  common.seed()
  usernames = common.rows(args[1])
  password = args[2]
end

function request()
  local body = '{"username":"' .. common.pick(usernames)[1] .. '","password":"' .. password .. '"}'
  return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json" }, body)
end
