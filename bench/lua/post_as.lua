-- POST /api/v1/tweets (JSON text) as the users of a tokens file, in turn: with as many users
-- as connections, each user has about one post in flight. args: tokens file.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local tokens
local sent = 0

function init(args)
  tokens = common.rows(args[1])
end

function request()
  local token = tokens[sent % #tokens + 1][1]
  sent = sent + 1
  local body = '{"text":"Benchmark write ' .. sent .. ' from wrk"}'
  return wrk.format("POST", "/api/v1/tweets", common.bearer(token, { ["Content-Type"] = "application/json" }), body)
end
