-- Users of a tokens file, in turn, each alternating POST and DELETE on one path (a like of
-- one tweet, a follow of one account), starting with POST. args: tokens file, path.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local tokens, path
local sent = 0
local done_post = {}

function init(args)
  tokens = common.rows(args[1])
  path = args[2]
end

function request()
  local user = sent % #tokens + 1
  sent = sent + 1
  local method = done_post[user] and "DELETE" or "POST"
  done_post[user] = not done_post[user]
  return wrk.format(method, path, common.bearer(tokens[user][1]), "")
end
