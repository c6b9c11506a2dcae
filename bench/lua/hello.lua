-- GET /hello on the bare Litestar app: the ceiling.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

function init(args)
  common.seed()
end

function request()
  return wrk.format("GET", "/hello")
end
