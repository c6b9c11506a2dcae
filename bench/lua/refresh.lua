-- POST /api/v1/auth/refresh. Every refresh token works once (rotation), so the script keeps a
-- pool: each request takes one, each 200 puts the new one back. Start with more tokens than
-- connections. An empty pool sends a dead token (a 401, reported as an error).
-- args: refresh tokens file.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local pool = {}
local head, tail = 1, 0

function init(args)
  common.seed()
  for _, row in ipairs(common.rows(args[1])) do
    tail = tail + 1
    pool[tail] = row[1]
  end
end

local function take()
  if head > tail then
    return "pool-exhausted"
  end
  local token = pool[head]
  pool[head] = nil
  head = head + 1
  return token
end

function request()
  local body = '{"refresh_token":"' .. take() .. '"}'
  return wrk.format("POST", "/api/v1/auth/refresh", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  common.count(status, body)
  if status == 200 then
    local token = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
    if token then
      tail = tail + 1
      pool[tail] = token
    end
  end
end
