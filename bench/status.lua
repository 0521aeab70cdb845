-- wrk script for bench/bench.py.
--
-- Counts responses by HTTP status in every thread and, when the run is over,
-- prints ONE machine-parseable line that starts with "BENCH " and holds
-- key=value pairs (no spaces inside values):
--
--   BENCH requests=.. duration_us=.. bytes=.. rps=.. mbps=.. p50_us=.. p90_us=..
--         p99_us=.. p999_us=.. max_us=.. err_connect=.. err_read=.. err_write=..
--         err_timeout=.. err_status=.. unexpected=.. errors=.. statuses=200:123,304:4
--
-- BENCH_EXPECT (environment) is the status every response should have
-- (default 200). "unexpected" counts responses with any other status;
-- "errors" = unexpected + socket errors (connect, read, write, timeout).
-- wrk's own err_status (responses > 399) is reported as is but not added,
-- since a 404 is the expected answer of the 404 workload.

local expect = tonumber(os.getenv("BENCH_EXPECT") or "200") or 200
-- BENCH_COUNT=0: do not define response(). wrk then neither parses headers
-- into Lua nor copies each body into a Lua string, which costs more than half
-- of wrk's throughput on a 10 MiB body. Statuses are then not counted:
-- "unexpected" falls back to wrk's own count of statuses > 399 (or, when a
-- 4xx is expected, to 0) and statuses=not-counted.
local count = os.getenv("BENCH_COUNT") ~= "0"

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   counts = {}
end

if count then
   function response(status, headers, body)
      counts[status] = (counts[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local all = {}
   for _, t in ipairs(threads) do
      local c = t:get("counts")
      if c then
         for k, v in pairs(c) do
            all[k] = (all[k] or 0) + v
         end
      end
   end
   local keys = {}
   for k, _ in pairs(all) do table.insert(keys, k) end
   table.sort(keys)
   local parts, unexpected = {}, 0
   for _, k in ipairs(keys) do
      table.insert(parts, string.format("%d:%d", k, all[k]))
      if k ~= expect then unexpected = unexpected + all[k] end
   end
   local e = summary.errors
   if not count then
      if expect < 400 then unexpected = e.status end
      parts = { "not-counted" }
   end
   local sock = e.connect + e.read + e.write + e.timeout
   local secs = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d duration_us=%d bytes=%d rps=%.1f mbps=%.2f " ..
      "p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d " ..
      "err_connect=%d err_read=%d err_write=%d err_timeout=%d err_status=%d " ..
      "unexpected=%d errors=%d statuses=%s\n",
      summary.requests, summary.duration, summary.bytes,
      summary.requests / secs, summary.bytes / secs / 1e6,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max,
      e.connect, e.read, e.write, e.timeout, e.status,
      unexpected, unexpected + sock,
      (#parts > 0) and table.concat(parts, ",") or "none"))
end
