/**
 * Latency histograms pooled over benchmark rounds. A p99 read from one round of a few hundred
 * requests is decided by its three or four slowest requests, and a median of such p99s is
 * still a noisy figure; the p99 of every request of every round is a steadier one. No cdktf,
 * no I/O: bench-ghost.ts feeds it what wrk printed through wrk-histogram.lua.
 */

/** Count of requests per latency in microseconds. */
export type LatencyHistogram = ReadonlyMap<number, number>;

/** The line wrk-histogram.lua prints before the histogram. */
export const HISTOGRAM_MARKER = '-- latency histogram (microseconds count) --';

/** The histogram wrk printed after the marker; an error if there is none. */
export function parseWrkHistogram(stdout: string): LatencyHistogram {
  const start = stdout.indexOf(HISTOGRAM_MARKER);
  if (start < 0) throw new Error(`wrk printed no latency histogram (was it run with -s wrk-histogram.lua?):\n${stdout}`);
  const histogram = new Map<number, number>();
  for (const line of stdout.slice(start + HISTOGRAM_MARKER.length).split('\n')) {
    if (line.trim() === '') continue;
    const match = /^(\d+) (\d+)$/.exec(line.trim());
    if (!match) throw new Error(`unexpected line in wrk's latency histogram: ${JSON.stringify(line)}`);
    const [value, count] = [Number(match[1]), Number(match[2])];
    histogram.set(value, (histogram.get(value) ?? 0) + count);
  }
  if (histogram.size === 0) throw new Error('wrk recorded no latency: no request completed');
  return histogram;
}

/** One histogram holding every request of the given ones. */
export function mergeHistograms(histograms: readonly LatencyHistogram[]): LatencyHistogram {
  const merged = new Map<number, number>();
  for (const histogram of histograms) {
    for (const [value, count] of histogram) merged.set(value, (merged.get(value) ?? 0) + count);
  }
  return merged;
}

/** How many requests the histogram holds. */
export function requestCount(histogram: LatencyHistogram): number {
  let total = 0;
  for (const count of histogram.values()) total += count;
  return total;
}

/**
 * The nearest-rank percentile in milliseconds: the smallest latency at or below which at
 * least `percent` of the requests finished.
 */
export function percentileMs(histogram: LatencyHistogram, percent: number): number {
  if (!(percent > 0 && percent <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${percent}`);
  const total = requestCount(histogram);
  if (total === 0) throw new RangeError('percentile of an empty histogram');
  const rank = Math.ceil((percent / 100) * total);
  const values = [...histogram.keys()].sort((a, b) => a - b);
  let seen = 0;
  for (const value of values) {
    seen += histogram.get(value)!;
    if (seen >= rank) return value / 1000;
  }
  return values[values.length - 1] / 1000;
}

/** The path of the Lua script that makes wrk print its histogram. */
export const WRK_HISTOGRAM_SCRIPT = `${__dirname}/wrk-histogram.lua`;
