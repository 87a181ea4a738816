import { execFile } from 'child_process';
import * as http from 'http';
import { AddressInfo } from 'net';
import { promisify } from 'util';
import {
  HISTOGRAM_MARKER,
  median,
  mergeHistograms,
  parseWrkHistogram,
  percentileMs,
  requestCount,
  roundsVerdict,
  signTestWinsNeeded,
  WRK_HISTOGRAM_SCRIPT,
  WRK_PACING_VARIABLE,
  wrkEnvironment,
} from '../tools/bench-statistics';
import { commandExists, describeWhenAvailable } from '../test-support/required-tools';

const run = promisify(execFile);
/** A percentile as wrk itself printed it (`--latency`), in milliseconds. */
function wrkPrintedPercentileMs(stdout: string, percent: number): number {
  const match = new RegExp(`^\\s+${percent}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(stdout);
  if (!match) throw new Error(`wrk printed no ${percent}th percentile:\n${stdout}`);
  return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
}
const histogramOf = (entries: [number, number][]) => new Map(entries);

describe('median', () => {
  it('takes the middle value, or the mean of the middle two, whatever the order', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/median of no values/);
  });
});

describe('signTestWinsNeeded', () => {
  it('asks for the count whose two-sided binomial tail is within 5 %', () => {
    // 9 rounds: P(8 or 9 of 9) = 10/512 = 2.0 % per side; P(7 or more) = 46/512 = 9.0 %.
    expect(signTestWinsNeeded(9)).toBe(8);
    // 6 rounds: all six is 1/64 = 1.6 % per side; five or more is 7/64 = 10.9 %.
    expect(signTestWinsNeeded(6)).toBe(6);
    // 10 rounds: 9 or more is 11/1024 = 1.1 %; 8 or more is 56/1024 = 5.5 %.
    expect(signTestWinsNeeded(10)).toBe(9);
  });

  it('says when no count of rounds could show a difference', () => {
    // 5 rounds: even all five is 1/32 = 3.1 % per side.
    expect(signTestWinsNeeded(5)).toBeUndefined();
    expect(signTestWinsNeeded(3)).toBeUndefined();
    expect(() => signTestWinsNeeded(0)).toThrow(/rounds must be a whole number above 0, got 0/);
  });
});

describe('roundsVerdict', () => {
  it('calls a lead or a shortfall real only past the sign test', () => {
    expect(roundsVerdict(8, 9)).toBe('better in 8 of 9 rounds: a real lead (sign test, 5 %)');
    expect(roundsVerdict(1, 9)).toBe('better in 1 of 9 rounds: a real shortfall (sign test, 5 %)');
    expect(roundsVerdict(3, 9)).toBe('better in 3 of 9 rounds: within the noise (a sign test needs 8 of 9 either way)');
    expect(roundsVerdict(3, 3)).toBe('better in 3 of 3 rounds (too few rounds for a sign test)');
    expect(() => roundsVerdict(10, 9)).toThrow(/wins must be a whole number from 0 to 9, got 10/);
  });
});

describe('percentileMs', () => {
  // 100 requests: 98 at 1 ms, one at 50 ms, one at 900 ms.
  const histogram = histogramOf([[1000, 98], [50_000, 1], [900_000, 1]]);

  it('is the smallest latency at or below which the share of requests finished', () => {
    expect(percentileMs(histogram, 50)).toBe(1);
    expect(percentileMs(histogram, 98)).toBe(1);
    expect(percentileMs(histogram, 99)).toBe(50);
    expect(percentileMs(histogram, 99.5)).toBe(900);
    expect(percentileMs(histogram, 100)).toBe(900);
  });

  it('does not depend on the order the latencies were recorded in', () => {
    expect(percentileMs(histogramOf([[900_000, 1], [1000, 98], [50_000, 1]]), 99)).toBe(50);
  });

  it('refuses a percentile out of range and an empty histogram', () => {
    expect(() => percentileMs(histogram, 0)).toThrow(/percentile must be in \(0, 100\], got 0/);
    expect(() => percentileMs(histogram, 101)).toThrow(/got 101/);
    expect(() => percentileMs(new Map(), 99)).toThrow(/empty histogram/);
  });
});

describe('mergeHistograms', () => {
  it('pools the rounds: a slow round moves the pooled p99 as much as its share of requests', () => {
    const quiet = histogramOf([[1000, 100]]);
    const slow = histogramOf([[1000, 96], [400_000, 4]]);
    const pooled = mergeHistograms([quiet, quiet, slow]);
    expect(requestCount(pooled)).toBe(300);
    expect(pooled.get(1000)).toBe(296);
    // 4 slow requests of 300 are 1.3 %: the pooled p99 is slow, its p98 is not.
    expect(percentileMs(pooled, 99)).toBe(400);
    expect(percentileMs(pooled, 98)).toBe(1);
  });
});

describe('parseWrkHistogram', () => {
  it('reads the lines after the marker and adds repeated values', () => {
    const stdout = `Running 1s test\n  Latency Distribution\n     99%  1.00ms\n${HISTOGRAM_MARKER}\n800 3\n1200 1\n800 2\n`;
    expect([...parseWrkHistogram(stdout)]).toEqual([[800, 5], [1200, 1]]);
  });

  it('says so when wrk ran without the script, or nothing completed', () => {
    expect(() => parseWrkHistogram('Requests/sec: 10')).toThrow(/no latency histogram \(was it run with -s wrk-histogram.lua\?\)/);
    expect(() => parseWrkHistogram(`${HISTOGRAM_MARKER}\n`)).toThrow(/no request completed/);
    expect(() => parseWrkHistogram(`${HISTOGRAM_MARKER}\n12 ms\n`)).toThrow(/unexpected line in wrk's latency histogram: "12 ms"/);
  });
});

describe('wrkEnvironment', () => {
  it('runs at full load without the pacing variable, even when the shell exported it', () => {
    process.env[WRK_PACING_VARIABLE] = '50';
    try {
      expect(wrkEnvironment()[WRK_PACING_VARIABLE]).toBeUndefined();
      expect(wrkEnvironment(1600.4)[WRK_PACING_VARIABLE]).toBe('1600');
      expect(wrkEnvironment().PATH).toBe(process.env.PATH);
    } finally {
      delete process.env[WRK_PACING_VARIABLE];
    }
  });
});

describeWhenAvailable('wrk-histogram.lua with wrk', commandExists('wrk'), 'install wrk', () => {
  // Every tenth request waits 40 ms: p50 fast, p99 slow.
  let served = 0;
  const server = http.createServer((_request, response) => {
    const delay = ++served % 10 === 0 ? 40 : 0;
    setTimeout(() => response.end('ok\n'), delay);
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("gives wrk's own percentiles back from the histogram it printed", async () => {
    const { port } = server.address() as AddressInfo;
    const { stdout } = await run('wrk', ['-t', '1', '-c', '4', '-d', '1s', '--latency', '-s', WRK_HISTOGRAM_SCRIPT, `http://127.0.0.1:${port}/`]);
    const histogram = parseWrkHistogram(stdout);
    expect(requestCount(histogram)).toBeGreaterThan(50);
    // Every request's latency in milliseconds, in order.
    const samples = [...histogram].sort(([a], [b]) => a - b).flatMap(([value, count]) => Array<number>(count).fill(value / 1000));
    for (const percent of [50, 99] as const) {
      const rank = Math.ceil((percent / 100) * samples.length) - 1;
      expect(percentileMs(histogram, percent)).toBe(samples[rank]);
      // wrk ranks a percentile by rounding rather than the nearest rank, so its figure may be
      // the next sample's; it prints two decimals in its own unit (ms here).
      const printed = wrkPrintedPercentileMs(stdout, percent);
      expect(printed).toBeGreaterThanOrEqual(samples[Math.max(0, rank - 1)] - 0.0051);
      expect(printed).toBeLessThanOrEqual(samples[Math.min(samples.length - 1, rank + 1)] + 0.0051);
    }
    expect(percentileMs(histogram, 99)).toBeGreaterThanOrEqual(40);
    expect(percentileMs(histogram, 50)).toBeLessThan(40);
  });

  it('paces each connection with the pacing variable, and leaves the waits out of the latencies', async () => {
    // A server of its own that answers at once and notes when each connection's requests came.
    const arrivals = new Map<object, number[]>();
    const paced = http.createServer((request, response) => {
      arrivals.set(request.socket, [...(arrivals.get(request.socket) ?? []), performance.now()]);
      response.end('ok\n');
    });
    await new Promise<void>((resolve) => paced.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = paced.address() as AddressInfo;
      const args = ['-t', '2', '-c', '4', '-d', '3s', '-s', WRK_HISTOGRAM_SCRIPT, `http://127.0.0.1:${port}/`];
      const histogram = parseWrkHistogram((await run('wrk', args, { env: wrkEnvironment(50) })).stdout);
      // The gaps between one connection's requests: the waits, plus an answer's few microseconds.
      const gaps = [...arrivals.values()].flatMap((times) => times.slice(1).map((t, i) => t - times[i]));
      expect(arrivals.size).toBe(4);
      expect(gaps.length).toBeGreaterThan(100);
      const meanGap = gaps.reduce((a, b) => a + b, 0) / gaps.length;
      expect(meanGap).toBeGreaterThan(40);
      expect(meanGap).toBeLessThan(62.5);
      // Exponential waits: many short, a few long (a fixed wait would put them all near 50).
      expect(gaps.filter((g) => g < 25).length).toBeGreaterThan(gaps.length / 4);
      expect(Math.max(...gaps)).toBeGreaterThan(150);
      // With the waits counted, the median latency would be the median wait, about 35 ms.
      expect(percentileMs(histogram, 50)).toBeLessThan(20);
    } finally {
      await new Promise<void>((resolve) => paced.close(() => resolve()));
    }
  });
});
