-- wrk script: counts answers by status and prints one JSON line at the end.
--
--   wrk -s count.lua URL -- get
--   wrk -s count.lua URL -- post BODY_PREFIX TOKENS_FILE THREADS [COOKIE]
--
-- "get" leaves wrk's static request and its own status count alone (no Lua per
-- request, no body copied into Lua), so GET runs measure the server, not the script.
-- "post" sends BODY_PREFIX followed by a fresh form token for every request
-- (thread k takes lines k, k+THREADS, ... of TOKENS_FILE); with TOKENS_FILE "-"
-- BODY_PREFIX is sent as it is (the Flask peer's CSRF token may be reused).
-- When a thread runs out of tokens it stops; the last request repeats a token
-- (an idempotent retry) and is counted under "repeated".

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  mode = args[1] or "get"
  statuses = {}
  repeated = 0
  sent = 0
  if mode ~= "post" then
    return
  end
  request = post_request
  response = count_response
  prefix = args[2]
  headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  if args[5] and args[5] ~= "" then
    headers["Cookie"] = args[5]
  end
  tokens = {}
  if args[3] ~= "-" then
    local stride = tonumber(args[4])
    local n = 0
    for line in io.lines(args[3]) do
      if n % stride == id then
        tokens[#tokens + 1] = line
      end
      n = n + 1
    end
  end
end

function post_request()
  if #tokens == 0 then
    return wrk.format("POST", nil, headers, prefix)
  end
  sent = sent + 1
  local token = tokens[sent]
  if token == nil then
    repeated = repeated + 1
    wrk.thread:stop()
    token = tokens[1]
  end
  return wrk.format("POST", nil, headers, prefix .. token)
end

function count_response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  local repeats = 0
  for _, thread in ipairs(threads) do
    for key, value in pairs(thread:get("statuses")) do
      counts[key] = (counts[key] or 0) + value
    end
    repeats = repeats + thread:get("repeated")
  end
  local parts = {}
  for key, value in pairs(counts) do
    parts[#parts + 1] = string.format('"%s": %d', key, value)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "statuses": {%s}, "repeated": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, table.concat(parts, ", "), repeats,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
