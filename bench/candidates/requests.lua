-- wrk script for bench/candidates: `wrk ... -s requests.lua <url> -- <mode> <file>`.
-- mode "autosave": <file> has one candidate a line, tab-separated: the questionnaire page's
-- path, its csrftoken cookie, the form's CSRF token and the page's item ids (comma-separated).
-- Each request is what the page's script sends when an answer is clicked: a URL-encoded POST of
-- the CSRF token, action=autosave and one item's value, with the cookie, Accept JSON and the
-- page's Origin. Each wrk thread takes its own share of the candidates in turn, so that no two
-- threads ever save for the same candidate at once. mode "get": <file> holds one path, fetched
-- over and over (the landing page, a static file, the PDF report). done() prints one JSON line for run.py.

local threads = {}

function setup(thread)
  thread:set("number", #threads)
  table.insert(threads, thread)
  thread:set("thread_count", 0)
  for _, each in ipairs(threads) do
    each:set("thread_count", #threads)
  end
end

local function split(text, separator)
  local parts = {}
  for part in string.gmatch(text, "([^" .. separator .. "]+)") do
    table.insert(parts, part)
  end
  return parts
end

function init(args)
  mode = args[1]
  candidates, counter = {}, 0
  local index = 0
  for line in io.lines(args[2]) do
    if mode == "get" then
      path = line
    elseif index % thread_count == number then
      local fields = split(line, "\t")
      table.insert(candidates, {
        path = fields[1],
        cookie = "csrftoken=" .. fields[2],
        csrf = fields[3],
        items = split(fields[4], ","),
      })
    end
    index = index + 1
  end
  origin = string.format("http://%s:%s", wrk.host, wrk.port)
end

function request()
  if mode == "get" then
    return wrk.format("GET", path)
  end
  counter = counter + 1
  local candidate = candidates[(counter - 1) % #candidates + 1]
  -- each round over the candidates answers the next item of their page
  local item = candidate.items[math.floor((counter - 1) / #candidates) % #candidate.items + 1]
  -- the CSRF token and the item ids are letters and digits: nothing to escape
  local body = "csrfmiddlewaretoken=" .. candidate.csrf .. "&action=autosave&item-" .. item
    .. "=" .. tostring(counter % 5 + 1)
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded;charset=UTF-8",
    ["Cookie"] = candidate.cookie,
    ["Accept"] = "application/json",
    ["Origin"] = origin,
    ["Referer"] = origin .. candidate.path,
  }
  return wrk.format("POST", candidate.path, headers, body)
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
