-- GET /api/v1/users/{username}/tweets: a random author, seen by a random signed-in reader.
-- args: tokens file, usernames file.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local tokens, usernames

function init(args)
  common.seed()
  tokens = common.rows(args[1])
  usernames = common.rows(args[2])
end

function request()
  local path = "/api/v1/users/" .. common.pick(usernames)[1] .. "/tweets"
  return wrk.format("GET", path, common.bearer(common.pick(tokens)[1]))
end
