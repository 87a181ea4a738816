-- wrk -s tools/wrk-histogram.lua: after wrk's own report, every latency wrk recorded, as
-- "microseconds count" lines after a marker, so that rounds can be pooled into one
-- histogram (tools/bench-statistics.ts) instead of taking a median of per-round p99s.
--
-- With WRK_MEAN_GAP_MS set (WRK_PACING_VARIABLE in bench-statistics.ts), each connection
-- waits before each of its requests, its first included, a random time with that mean,
-- exponentially distributed: a closed loop with think time, whose load stays below the
-- server's capacity instead of saturating it. wrk starts a request's clock when it sends it,
-- so the waits are not in the latencies, and it takes whole milliseconds, so the mean wait
-- is about half a millisecond short of the setting.
done = function(summary, latency, requests)
  io.write("-- latency histogram (microseconds count) --\n")
  for i = 1, #latency do
    local value, count = latency(i)
    io.write(string.format("%d %d\n", value, count))
  end
end

local mean_gap_ms = tonumber(os.getenv("WRK_MEAN_GAP_MS") or "")
if mean_gap_ms then
  -- Each thread draws from a seed of its own (its number), so a run's waits come from the
  -- same sequences whatever server it meets; which connection gets which wait depends on the
  -- order the answers come in.
  local threads = 0
  setup = function(thread)
    threads = threads + 1
    thread:set("gap_seed", threads)
  end
  init = function(args)
    math.randomseed(gap_seed)
  end
  delay = function()
    -- math.random() lies in [0, 1), so 1 - it is never 0 and its logarithm is finite.
    return -mean_gap_ms * math.log(1 - math.random())
  end
end
