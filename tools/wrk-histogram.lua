-- wrk -s tools/wrk-histogram.lua: after wrk's own report, every latency wrk recorded, as
-- "microseconds count" lines after a marker, so that rounds can be pooled into one
-- histogram (tools/bench-statistics.ts) instead of taking a median of per-round p99s.
done = function(summary, latency, requests)
  io.write("-- latency histogram (microseconds count) --\n")
  for i = 1, #latency do
    local value, count = latency(i)
    io.write(string.format("%d %d\n", value, count))
  end
end
