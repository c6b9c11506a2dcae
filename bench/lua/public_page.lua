-- GET a public page as an anonymous caller: prefix .. a random row's first field .. suffix.
-- args: rows file, path prefix, path suffix (optional).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local rows, prefix, suffix

function init(args)
  common.seed()
  rows = common.rows(args[1])
  prefix = args[2]
  suffix = args[3] or ""
end

function request()
  return wrk.format("GET", prefix .. common.pick(rows)[1] .. suffix)
end
