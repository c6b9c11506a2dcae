-- POST /api/v1/tweets/{id}/like: a random loaded tweet, liked by a random user.
-- args: tokens file, highest loaded tweet id.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local tokens, max_id

function init(args)
  common.seed()
  tokens = common.rows(args[1])
  max_id = tonumber(args[2])
end

function request()
  local path = "/api/v1/tweets/" .. math.random(max_id) .. "/like"
  return wrk.format("POST", path, common.bearer(common.pick(tokens)[1]), "")
end
