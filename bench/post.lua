-- wrk script: POST the JSON bodies of BENCH_BODY (one per line, sent in turn) with an
-- optional bearer token (BENCH_AUTH), and print one machine-readable summary line for
-- bench/server.py.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
local bodies = {}
for line in string.gmatch(os.getenv("BENCH_BODY") or "{}", "[^\n]+") do
  table.insert(bodies, line)
end
wrk.body = bodies[1]
if #bodies > 1 then
  local requests = {}
  for i, body in ipairs(bodies) do
    requests[i] = wrk.format(nil, nil, nil, body)
  end
  local n = 0
  request = function()
    n = n % #requests + 1
    return requests[n]
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
