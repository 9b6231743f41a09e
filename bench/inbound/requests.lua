-- wrk script for bench/inbound: `wrk ... -s requests.lua <url> -- <mode> <token> <test_id>`.
-- mode "invite" POSTs an invitation with a unique candidate email per request (a repeat would take
-- the cheaper "already invited" path); mode "connection" GETs the token check. done() prints one
-- JSON line that run.py reads.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  mode, token, test_id = args[1], args[2], args[3]
  run = tostring(os.time())
  headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

function request()
  if mode == "connection" then
    return wrk.format("GET", "/api/workable/connection", headers)
  end
  counter = counter + 1
  local body = string.format(
    '{"test_id":"%s","callback_url":"https://acme.workable.com/spi/v3/assessments/%s-%d-%d/results",'
      .. '"candidate":{"email":"c-%s-%d-%d@example.com","first_name":"Jane","last_name":"Doe"},'
      .. '"job_shortcode":"BENCH1","job_title":"Store Associate"}',
    test_id, run, number, counter, run, number, counter
  )
  return wrk.format("POST", "/api/workable/assessments", headers, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"non_2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, errors.status, errors.connect, errors.read,
    errors.write, errors.timeout
  ))
end
