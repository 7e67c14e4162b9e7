-- wrk script for bench/load.py: counts every answer that is not 2xx (wrk itself counts only
-- status >= 400, so a redirect to the sign-in page would pass unseen), then prints one line
-- "WRK-REPORT {json}" with the latency percentiles (microseconds), the requests and the errors.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  first_non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_non2xx == 0 then
      first_non2xx = status
    end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    local status = thread:get("first_non2xx")
    if first == 0 and status ~= 0 then
      first = status
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK-REPORT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "non2xx": %d, "first_non2xx": %d, '
      .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    bad, first, errors.connect, errors.read, errors.write, errors.timeout))
end
