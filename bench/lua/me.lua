-- GET /api/v1/me with a random token. args: tokens file (token per line).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local tokens

function init(args)
  common.seed()
  tokens = common.rows(args[1])
end

function request()
  return wrk.format("GET", "/api/v1/me", common.bearer(common.pick(tokens)[1]))
end
