-- Shared by the benchmark scripts, loaded with dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua").
-- Data files are tab-separated, one row per line; ids are picked with math.random under a
-- fixed seed (BENCH_SEED). Every response's status is counted; done() prints the counts and
-- the first error body, which the harness parses.
local common = {}

function common.seed()
  math.randomseed(tonumber(os.getenv("BENCH_SEED") or "42"))
end

function common.rows(path)
  local rows = {}
  local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in file:lines() do
    if line ~= "" then
      local fields = {}
      for field in string.gmatch(line, "[^\t]+") do
        fields[#fields + 1] = field
      end
      rows[#rows + 1] = fields
    end
  end
  file:close()
  assert(#rows > 0, tostring(path) .. " has no rows")
  return rows
end

function common.pick(rows)
  return rows[math.random(#rows)]
end

function common.bearer(token, extra)
  local headers = extra or {}
  headers["Authorization"] = "Bearer " .. token
  return headers
end

-- Per thread (wrk runs these in each thread's Lua state).
statuses = {}
first_error = ""

function common.count(status, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status >= 400 and first_error == "" then
    first_error = string.gsub(string.sub(body or "", 1, 400), "[\r\n\t]", " ")
  end
end

function response(status, headers, body)
  common.count(status, body)
end

-- In the main state: gather every thread's counts when the run is over.
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local total = {}
  local error_body = ""
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      total[status] = (total[status] or 0) + n
    end
    local body = thread:get("first_error") or ""
    if error_body == "" then
      error_body = body
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    parts[#parts + 1] = status .. "=" .. n
  end
  table.sort(parts)
  io.write("BENCH_STATUS " .. table.concat(parts, " ") .. "\n")
  io.write(string.format("BENCH_LATENCY_US p50=%d p99=%d max=%d\n",
    latency:percentile(50), latency:percentile(99), latency.max))
  if error_body ~= "" then
    io.write("BENCH_FIRST_ERROR " .. error_body .. "\n")
  end
end

return common
