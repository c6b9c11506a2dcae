-- GET /api/v1/feed with a random reader's token; with a cursor when the row has one (page 50).
-- args: readers file (token [TAB cursor] per line).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local readers

function init(args)
  common.seed()
  readers = common.rows(args[1])
end

function request()
  local reader = common.pick(readers)
  local path = "/api/v1/feed"
  if reader[2] then
    path = path .. "?cursor=" .. reader[2]
  end
  return wrk.format("GET", path, common.bearer(reader[1]))
end
