-- wrk -s tools/wrk-histogram.lua: after wrk's own report, every latency wrk recorded, as
-- "microseconds count" lines after a marker, so that rounds can be pooled into one
-- histogram (tools/bench-statistics.ts) instead of taking a median of per-round p99s.
--
-- With WRK_MEAN_GAP_MS set, each connection waits before each request a random time with
-- that mean, exponentially distributed as the gaps between independent visitors are: a
-- paced load below the server's capacity rather than one that saturates it. wrk starts a
-- request's clock when it sends it, so the waits are not in the latencies.
done = function(summary, latency, requests)
  io.write("-- latency histogram (microseconds count) --\n")
  for i = 1, #latency do
    local value, count = latency(i)
    io.write(string.format("%d %d\n", value, count))
  end
end

local mean_gap_ms = tonumber(os.getenv("WRK_MEAN_GAP_MS") or "")
if mean_gap_ms then
  -- Each thread draws its own gaps, from a seed of its own: the same gaps in every run,
  -- so that paired rounds against different servers wait alike.
  local threads = 0
  setup = function(thread)
    threads = threads + 1
    thread:set("gap_seed", threads)
  end
  init = function(args)
    math.randomseed(gap_seed)
  end
  delay = function()
    return -mean_gap_ms * math.log(1 - math.random())
  end
end
