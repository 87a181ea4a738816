/**
 * The benchmarks' arithmetic. No cdktf, no I/O: bench-ghost.ts and bench-proxy.ts feed it
 * what they measured.
 *
 * Latency histograms are pooled over rounds: a p99 read from one round of a few hundred
 * requests is decided by its three or four slowest requests, and a median of such p99s is
 * still a noisy figure; the p99 of every request of every round is a steadier one.
 */

/** The median; of an even count, the mean of the middle two. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * How many of `rounds` paired rounds one side must win for a two-sided sign test at the 5 %
 * level to call the difference real (undefined when no count would: too few rounds). Rounds
 * are interleaved, so each round's pair shares the machine's state; with no real difference,
 * each side wins a round with probability one half.
 */
export function signTestWinsNeeded(rounds: number): number | undefined {
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be a whole number above 0, got ${rounds}`);
  // P(X >= k) for X ~ Binomial(rounds, 1/2), from the top down.
  let choose = 1; // C(rounds, rounds)
  let tail = 0;
  for (let k = rounds; k >= 0; k--) {
    tail += choose / 2 ** rounds;
    if (tail > 0.025) return k === rounds ? undefined : k + 1;
    choose = (choose * k) / (rounds - k + 1); // C(rounds, k - 1)
  }
  return undefined;
}

/**
 * A paired comparison over interleaved rounds, in words: in how many rounds one side did
 * better, and whether that many could be chance (a sign test at the 5 % level).
 */
export function roundsVerdict(wins: number, rounds: number): string {
  if (!Number.isInteger(wins) || wins < 0 || wins > rounds) throw new RangeError(`wins must be a whole number from 0 to ${rounds}, got ${wins}`);
  const needed = signTestWinsNeeded(rounds);
  const counted = `better in ${wins} of ${rounds} rounds`;
  if (needed === undefined) return `${counted} (too few rounds for a sign test)`;
  if (wins >= needed) return `${counted}: a real lead (sign test, 5 %)`;
  if (rounds - wins >= needed) return `${counted}: a real shortfall (sign test, 5 %)`;
  return `${counted}: within the noise (a sign test needs ${needed} of ${rounds} either way)`;
}

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

/** The environment variable that paces wrk-histogram.lua: each connection's mean wait, in ms. */
export const WRK_PACING_VARIABLE = 'WRK_MEAN_GAP_MS';

/**
 * wrk's environment: paced with the given mean wait, or at full load, whatever the calling
 * shell exported.
 */
export function wrkEnvironment(meanGapMs?: number): NodeJS.ProcessEnv {
  const { [WRK_PACING_VARIABLE]: _exported, ...rest } = process.env;
  return meanGapMs === undefined ? rest : { ...rest, [WRK_PACING_VARIABLE]: meanGapMs.toFixed(0) };
}
