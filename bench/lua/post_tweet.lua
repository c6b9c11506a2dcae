-- POST /api/v1/tweets (JSON text) as a random user. args: tokens file.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local tokens
local sent = 0

function init(args)
  common.seed()
  tokens = common.rows(args[1])
end

function request()
  sent = sent + 1
  local body = '{"text":"Benchmark post ' .. sent .. ' from wrk"}'
  local headers = common.bearer(common.pick(tokens)[1], { ["Content-Type"] = "application/json" })
  return wrk.format("POST", "/api/v1/tweets", headers, body)
end
