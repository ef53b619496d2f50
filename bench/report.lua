-- wrk script for the benchmark: counts every response outside 2xx (wrk's own summary.errors.status
-- only counts statuses of 400 and above, so a redirect would pass unnoticed) and prints one
-- machine-readable line that bench/measure.py parses. Latencies are in microseconds.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   not_2xx = 0
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      not_2xx = not_2xx + 1
   end
end

function done(summary, latency, requests)
   local not_2xx_total = 0
   for _, thread in ipairs(threads) do
      not_2xx_total = not_2xx_total + thread:get("not_2xx")
   end
   local errors = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p95_us=%d p99_us=%d mean_us=%.1f max_us=%d "
         .. "status_errors=%d not_2xx=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max,
      errors.status, not_2xx_total, errors.connect, errors.read, errors.write, errors.timeout
   ))
end
