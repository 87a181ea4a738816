// npm run bench:ghost [-- --rounds N --seconds S --connections C --memory-seconds M]
//
// The generated proxy, the article's configuration and a Caddy configuration equivalent to
// the official Ghost Docker setup's proxy, all in front of one real Ghost (the pinned
// version, configured from the synthesized plan, on MariaDB), in interleaved rounds:
// requests per second and p50 and p99 latency for the home page, a post page and an admin
// API call (at full load, and paced to about half of what Ghost can answer), plus, on the
// generated proxy, a static file the size of the home page; and what each request costs the
// proxy and Ghost in CPU time. Then Ghost's memory under the plan's limits and under the
// article's 150 MiB. Run inside a network namespace (run-in-netns.ts), on each NGINX build of
// NGINX_BIN. A benchmark, not a test: read the ratios and the verdicts, which compare
// figures of one run.
import { ChildProcess, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs, promisify } from 'util';
import { PROXY_HEALTH_PORT, proxyHostNames } from '../core/proxy-options';
import { MYSQL_ENV } from '../core/services';
import { resolveBlogSettings } from '../core/settings';
import { BlogHostSettings, DEFAULT_BLOG_DOMAIN } from '../core/settings-schema';
import { Json } from '../core/terraform-json';
import { startBaseline, Target } from './baseline-nginx';
import { LatencyHistogram, median, mergeHistograms, parseWrkHistogram, percentileMs, requestCount, roundsVerdict, WRK_HISTOGRAM_SCRIPT, wrkEnvironment } from './bench-statistics';
import { GhostClient } from './ghost-admin-client';
import { fillVariables, GhostServer, planContainer, planEnvironment } from './ghost-server';
import { driveLoad } from './http-load';
import { MariadbServer } from './mariadb-server';
import { createSelfSignedCertificate, findLocalNginxes, LocalNginx, nginxLabel, startPreview, stopProcess } from './nginx-harness';
import { cpuSeconds } from './process-usage';
import { E2E_SECRETS } from './real-ghost-stack';
import { synthesizeStack } from './synthesize';

const run = promisify(execFile);
const BLOG = DEFAULT_BLOG_DOMAIN;
const OWNER = { name: 'Bench Owner', email: 'owner@example.com', password: 'correct-horse-battery-9', blogTitle: 'Benchmark Blog' };
/** The article's `docker run -m 150m --memory-swap 300m` for Ghost. */
const ARTICLE_GHOST_MEMORY = { memoryMb: 150, memorySwapMb: 300 };
const PORTS = { generated: 443, article: 8443, caddy: 9443 } as const;
/** The three proxies, in the report's order. */
const PROXIES = Object.keys(PORTS);
/**
 * The paced admin scenario offers at most this share of the rate Ghost reached on admin calls
 * after the warm-up: a moderate, steady load, whose latencies show what each request costs
 * rather than the order in which a saturated Ghost works through a queue of 32.
 */
const PACED_SHARE_OF_CAPACITY = 0.5;
/** Paced rounds run this many times as long, to gather as many requests as a saturated one. */
const PACED_ROUND_LENGTH = 2;
/**
 * Ghost is idle again when it and MariaDB spend no more than this share of a core. A
 * saturated round leaves Ghost a queue of requests their clients gave up on (Ghost finishes
 * them anyway); whoever ran next would otherwise start behind it.
 */
const IDLE_CPU_SHARE = 0.05;
const SCENARIOS = {
  home: 'home page',
  post: 'post page',
  admin: 'admin API call (uncached)',
  adminPaced: 'admin API call (uncached), paced',
  staticFile: 'static file, home-page size',
} as const;

interface Scenario {
  readonly name: string;
  readonly path: () => string;
  readonly headers: () => string[];
  /** Which proxies run it. */
  readonly targets: readonly string[];
  /** Each connection's mean wait before a request (wrk-histogram.lua). @default - none: full load */
  readonly meanGapMs?: number;
}

interface Measurement {
  /** Requests per second over the round. */
  readonly rate: number;
  /** Every request's latency, to pool with the other rounds'. */
  readonly latency: LatencyHistogram;
  /** CPU time of the proxy's processes per request answered, in milliseconds. */
  readonly proxyCpuMs: number;
  /** CPU time of Ghost's process per request answered, in milliseconds. */
  readonly ghostCpuMs: number;
}

/** Where wrk sends a round, and whose CPU time it counts. */
interface LoadTarget {
  readonly port: number;
  readonly proxyPids: () => number[];
  readonly ghostPid: number;
  /** MariaDB's, which with Ghost's tells when the work a round started is done. */
  readonly databasePid: number;
}

/** A blog with content, on a fresh database, Ghost within the given limits. */
async function startGhost(plan: Json, memory: { memoryMb: number; memorySwapMb: number }): Promise<{ mariadb: MariadbServer; ghost: GhostServer }> {
  const mariadb = new MariadbServer();
  await mariadb.start();
  const mysqlEnv = planEnvironment(plan, 'mysql');
  mariadb.createDatabase(mysqlEnv[MYSQL_ENV.database], mysqlEnv[MYSQL_ENV.user], E2E_SECRETS.mysql_password);
  const ghost = new GhostServer({ environment: fillVariables(planEnvironment(plan, 'ghost'), E2E_SECRETS), memory });
  try {
    await ghost.start();
  } catch (error) {
    const usage = ghost.cgroup?.usage();
    await ghost.destroy();
    await mariadb.destroy();
    throw Object.assign(new Error((error as Error).message), { usage });
  }
  return { mariadb, ghost };
}

/** Sets the blog up as a user would: an owner, no remote images, a few posts. */
async function seed(client: GhostClient): Promise<string> {
  await client.expect(201, 'POST', '/ghost/api/admin/authentication/setup/', { json: { setup: [OWNER] } });
  await client.signIn(OWNER.email, OWNER.password);
  await client.removeRemoteImages();
  let url = '';
  for (let i = 0; i < 10; i++) {
    const post = await client.admin('POST', 'posts/?source=html', {
      json: { posts: [{ title: `A post about proxies, part ${i + 1}`, html: '<p>A paragraph of a blog post, about the length of a real one.</p>'.repeat(60), status: 'published' }] },
    });
    url = (post.json as { posts: { url: string }[] }).posts[0].url;
  }
  return new URL(url).pathname;
}

async function startCaddy(dir: string, certificate: { certificateFile: string; keyFile: string }, ghostPort: number): Promise<Target> {
  // The official Ghost Docker setup's site block: reverse proxy to Ghost, gzip, its security
  // headers. TLS from our certificate instead of ACME; no admin endpoint.
  const caddyfile = path.join(dir, 'Caddyfile');
  fs.writeFileSync(caddyfile, [
    '{',
    '\tadmin off',
    '\tauto_https off',
    '}',
    `https://${BLOG}:${PORTS.caddy} {`,
    `\ttls ${certificate.certificateFile} ${certificate.keyFile}`,
    `\treverse_proxy 127.0.0.1:${ghostPort}`,
    '\tencode gzip',
    '\theader {',
    '\t\tStrict-Transport-Security max-age=31536000',
    '\t\tX-XSS-Protection "1; mode=block"',
    '\t\tX-Content-Type-Options nosniff',
    '\t\tReferrer-Policy strict-origin-when-cross-origin',
    '\t\tContent-Security-Policy "frame-ancestors \'self\'"',
    '\t}',
    '}',
    '',
  ].join('\n'));
  const child: ChildProcess = spawn('caddy', ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    env: { ...process.env, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, HOME: dir },
    stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'caddy.log'), 'a')],
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await run('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', `https://${BLOG}:${PORTS.caddy}/`]).then((r) => r.stdout !== '000').catch(() => false);
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`Caddy did not start:\n${fs.readFileSync(path.join(dir, 'caddy.log'), 'utf8')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { name: 'Caddy (official setup)', httpsPort: PORTS.caddy, certificateFile: certificate.certificateFile, pids: () => [child.pid!], stop: () => stopProcess(child, 'SIGTERM') };
}

/** Waits until Ghost and MariaDB are idle: up to 20 s, then goes on regardless. */
async function settle(target: LoadTarget): Promise<void> {
  const windowMs = 250;
  const deadline = Date.now() + 20_000;
  let before = cpuSeconds([target.ghostPid, target.databasePid]);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = cpuSeconds([target.ghostPid, target.databasePid]);
    if (now - before <= (IDLE_CPU_SHARE * windowMs) / 1000) return;
    before = now;
  }
}

/**
 * wrk's rate and every request's latency, for one target and scenario, and the CPU time
 * the proxy and Ghost spent from the round's start until Ghost is idle again (so a round
 * pays for the queue it leaves), per request answered.
 */
async function wrk(target: LoadTarget, scenario: Scenario, seconds: number, connections: number): Promise<Measurement> {
  const args = ['-t', '2', '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '-s', WRK_HISTOGRAM_SCRIPT];
  for (const header of scenario.headers()) args.push('-H', header);
  args.push(`https://${BLOG}:${target.port}${scenario.path()}`);
  const proxyPids = target.proxyPids();
  const cpuBefore = { proxy: cpuSeconds(proxyPids), ghost: cpuSeconds([target.ghostPid]) };
  const { stdout } = await run('wrk', args, { env: wrkEnvironment(scenario.meanGapMs), timeout: (seconds + 30) * 1000, maxBuffer: 16 * 1024 * 1024 });
  await settle(target);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1];
  const requests = /(\d+) requests in/.exec(stdout)?.[1];
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1];
  if (!rate || !requests) throw new Error(`wrk printed no rate:\n${stdout}`);
  if (errors) throw new Error(`${scenario.path()} on port ${target.port} answered ${errors} requests with errors:\n${stdout}`);
  const cpuMsPerRequest = (pids: number[], before: number) => ((cpuSeconds(pids) - before) * 1000) / Number(requests);
  return {
    rate: Number(rate),
    latency: parseWrkHistogram(stdout),
    proxyCpuMs: cpuMsPerRequest(proxyPids, cpuBefore.proxy),
    ghostCpuMs: cpuMsPerRequest([target.ghostPid], cpuBefore.ghost),
  };
}

async function throughput(nginx: LocalNginx, plan: Json, settings: BlogHostSettings, options: { rounds: number; seconds: number; connections: number }): Promise<string> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ghost-'));
  const container = planContainer(plan, 'ghost');
  const { mariadb, ghost } = await startGhost(plan, { memoryMb: container.memory, memorySwapMb: container.memory_swap });
  const stops: (() => Promise<void>)[] = [() => mariadb.destroy(), () => ghost.destroy()];
  try {
    const staticDir = path.join(work, 'static');
    fs.mkdirSync(staticDir);
    // NGINX's workers run as an unprivileged user.
    fs.chmodSync(work, 0o755);
    const generated = await startPreview({ nginx, settings, upstream: { host: ghost.host, port: ghost.port }, httpPort: 80, httpsPort: PORTS.generated, healthPort: PROXY_HEALTH_PORT, staticDir });
    stops.unshift(() => generated.stop());
    const client = new GhostClient({ origin: `https://${BLOG}`, caFile: generated.certificateFile });
    const postPath = await seed(client);
    // A static file the size of the home page, so NGINX's own rate for it is the yardstick.
    const home = await run('curl', ['-sk', `https://${BLOG}:${PORTS.generated}/`], { maxBuffer: 16 * 1024 * 1024 });
    fs.writeFileSync(path.join(staticDir, 'home-sized.html'), home.stdout);
    const baseline = await startBaseline(nginx, { host: ghost.host, port: ghost.port }, { httpsPort: PORTS.article });
    stops.unshift(() => baseline.stop());
    const certificate = createSelfSignedCertificate(work, proxyHostNames(resolveBlogSettings(settings)));
    const caddy = await startCaddy(work, certificate, ghost.port);
    stops.unshift(() => caddy.stop());

    const target = (port: number, proxyPids: () => number[]): LoadTarget => ({ port, proxyPids, ghostPid: ghost.pid!, databasePid: mariadb.pid! });
    const targets: Record<string, LoadTarget> = {
      generated: target(PORTS.generated, () => generated.pids()),
      article: target(PORTS.article, () => baseline.pids()),
      caddy: target(PORTS.caddy, () => caddy.pids()),
    };
    const browser = ['Accept-Encoding: gzip'];
    const signedIn = () => [...browser, `Cookie: ${client.cookieHeader}`, `Origin: https://${BLOG}`];
    const admin: Scenario = { name: SCENARIOS.admin, path: () => '/ghost/api/admin/posts/?limit=5', headers: signedIn, targets: PROXIES };
    const saturating: Scenario[] = [
      { name: SCENARIOS.home, path: () => '/', headers: () => browser, targets: PROXIES },
      { name: SCENARIOS.post, path: () => postPath, headers: () => browser, targets: PROXIES },
      admin,
    ];
    const staticFile: Scenario = { name: SCENARIOS.staticFile, path: () => '/home-sized.html', headers: () => browser, targets: ['generated'] };
    // One round first that counts for nothing: Ghost compiles its hot paths on first use.
    const warmUp = Math.min(options.seconds, 3);
    for (const scenario of [...saturating, staticFile]) {
      for (const target of scenario.targets) await wrk(targets[target], scenario, warmUp, options.connections);
    }
    // Then, warm, what Ghost can answer, which the paced scenario offers a share of.
    const warmRates: number[] = [];
    for (const target of PROXIES) warmRates.push((await wrk(targets[target], admin, options.seconds, options.connections)).rate);
    const capacity = median(warmRates);
    const pacedGapMs = (1000 * options.connections) / (PACED_SHARE_OF_CAPACITY * capacity);
    const scenarios = [...saturating, { ...admin, name: SCENARIOS.adminPaced, meanGapMs: pacedGapMs }, staticFile];
    const results = new Map<string, Measurement[]>();
    for (let round = 1; round <= options.rounds; round++) {
      for (const scenario of scenarios) {
        // Each proxy takes each place in turn, so that drift on a noisy machine falls on all.
        const shift = (round - 1) % scenario.targets.length;
        const order = [...scenario.targets.slice(shift), ...scenario.targets.slice(0, shift)];
        const seconds = scenario.meanGapMs === undefined ? options.seconds : PACED_ROUND_LENGTH * options.seconds;
        for (const target of order) {
          const key = `${target}|${scenario.name}`;
          results.set(key, [...(results.get(key) ?? []), await wrk(targets[target], scenario, seconds, options.connections)]);
        }
      }
      process.stdout.write(`${nginxLabel(nginx)}: round ${round}/${options.rounds} done\n`);
    }
    return report(nginx, results, { ...options, capacity, pacedGapMs });
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

interface ReportOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly connections: number;
  /** Admin calls per second Ghost answered after the warm-up (the median of the proxies). */
  readonly capacity: number;
  /** Each connection's mean wait in the paced scenario. */
  readonly pacedGapMs: number;
}

function report(nginx: LocalNginx, results: Map<string, Measurement[]>, options: ReportOptions): string {
  const get = (target: string, scenario: string) => {
    const measured = results.get(`${target}|${scenario}`)!;
    // Rates are per round (a median resists a disturbed round); latencies pool every request
    // of every round, since one round's p99 rests on its few slowest requests.
    const pooled = mergeHistograms(measured.map((m) => m.latency));
    return {
      rate: median(measured.map((m) => m.rate)),
      p50: percentileMs(pooled, 50),
      p99: percentileMs(pooled, 99),
      requests: requestCount(pooled),
      roundRates: measured.map((m) => m.rate),
      roundP99s: measured.map((m) => percentileMs(m.latency, 99)),
      proxyCpuMs: median(measured.map((m) => m.proxyCpuMs)),
      ghostCpuMs: median(measured.map((m) => m.ghostCpuMs)),
    };
  };
  type Figures = ReturnType<typeof get>;
  const compared = [SCENARIOS.home, SCENARIOS.post, SCENARIOS.admin, SCENARIOS.adminPaced];
  // How far one round's p99 strays: the noise a difference between proxies must exceed.
  const spread = (values: number[]) => `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}`;
  // Round i of every target ran back to back, so rounds pair up; each peer is compared on
  // its own, since with three equal proxies one would beat both others only a third of the time.
  const winsOver = (ours: number[], peer: number[], better: (a: number, b: number) => boolean) => ours.filter((value, i) => better(value, peer[i])).length;
  const pacedRate = median(PROXIES.map((t) => get(t, SCENARIOS.adminPaced).rate));
  const lines = [
    `### ${nginxLabel(nginx)}: ${options.rounds} rounds of ${options.seconds} s, ${options.connections} connections`,
    '',
    'Requests per second: the median of the rounds. p50 and p99: of every request of every round.',
    `Paced: each connection waits ${options.pacedGapMs.toFixed(0)} ms on average (exponentially distributed) before each call, ` +
      `in rounds of ${PACED_ROUND_LENGTH * options.seconds} s: at most ${(PACED_SHARE_OF_CAPACITY * options.capacity).toFixed(1)} calls per second, ` +
      `${(PACED_SHARE_OF_CAPACITY * 100).toFixed(0)} % of the ${options.capacity.toFixed(1)} Ghost answered after the warm-up; ` +
      `it got ${pacedRate.toFixed(1)}, ${((100 * pacedRate) / options.capacity).toFixed(0)} %.`,
    '',
    '| Scenario | Generated req/s (p50 / p99 ms) | Article req/s (p50 / p99 ms) | Caddy req/s (p50 / p99 ms) | vs article | vs Caddy |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  const cell = (m: Figures) => `${m.rate.toFixed(0)} (${m.p50.toFixed(1)} / ${m.p99.toFixed(1)})`;
  const verdicts: string[] = [];
  for (const scenario of compared) {
    const [ours, article, caddy] = PROXIES.map((t) => get(t, scenario));
    // A paced load sets the rate itself; only its latencies compare.
    const ratios = scenario === SCENARIOS.adminPaced ? ['', ''] : [article, caddy].map((peer) => `${(ours.rate / peer.rate).toFixed(2)}x`);
    lines.push(`| ${scenario} | ${cell(ours)} | ${cell(article)} | ${cell(caddy)} | ${ratios.join(' | ')} |`);
    const p99ok = ours.p99 <= article.p99 && ours.p99 <= caddy.p99;
    const lower = (a: number, b: number) => a <= b;
    const p99Rounds = `against the article ${roundsVerdict(winsOver(ours.roundP99s, article.roundP99s, lower), options.rounds)}; against Caddy ${roundsVerdict(winsOver(ours.roundP99s, caddy.roundP99s, lower), options.rounds)}`;
    verdicts.push(
      `- p99 of the ${scenario} no worse than either peer: ${ours.p99.toFixed(1)} ms against ${article.p99.toFixed(1)} and ${caddy.p99.toFixed(1)} ` +
        `(of ${ours.requests}, ${article.requests} and ${caddy.requests} requests; single rounds' p99 ${spread(ours.roundP99s)}, ${spread(article.roundP99s)} and ${spread(caddy.roundP99s)} ms): ` +
        `${p99ok ? 'met' : 'MISSED'}; ${p99Rounds}`,
    );
  }
  const staticFile = get('generated', SCENARIOS.staticFile);
  const cached = get('generated', SCENARIOS.home);
  lines.push(`| ${SCENARIOS.staticFile} | ${cell(staticFile)} | | | | |`);
  const [oursUncached, caddyUncached] = ['generated', 'caddy'].map((t) => get(t, SCENARIOS.admin));
  const uncached = oursUncached.rate / caddyUncached.rate;
  const uncachedWins = winsOver(oursUncached.roundRates, caddyUncached.roundRates, (a, b) => a >= b);
  const cachedRatio = cached.rate / staticFile.rate;
  // What each request costs in CPU: the proxy's share is what a proxy can change.
  const cpu = (m: Figures) => `${m.proxyCpuMs.toFixed(2)} / ${m.ghostCpuMs.toFixed(2)}`;
  lines.push(
    '',
    'CPU time per request answered (ms, the median of the rounds; counted from the round\'s start until Ghost is idle ' +
      'again, in ticks of 10 ms), the proxy\'s processes / Ghost\'s:',
    '',
    '| Scenario | Generated | Article | Caddy |',
    '| --- | ---: | ---: | ---: |',
    ...compared.map((scenario) => `| ${scenario} | ${PROXIES.map((t) => cpu(get(t, scenario))).join(' | ')} |`),
    '',
    `- uncached pass-through at least as fast as Caddy: ${uncached.toFixed(2)}x: ${uncached >= 1 ? 'met' : 'MISSED'}; ${roundsVerdict(uncachedWins, options.rounds)} ` +
      `(CPU per call, proxy / Ghost: ${cpu(oursUncached)} ms against Caddy's ${cpu(caddyUncached)})`,
    `- cached pages at least half NGINX's rate for a static file of the same size: ${cachedRatio.toFixed(2)}x: ${cachedRatio >= 0.5 ? 'met' : 'MISSED'}`,
    ...verdicts,
    '',
  );
  return lines.join('\n');
}

async function memory(plan: Json, settings: BlogHostSettings, nginx: LocalNginx, seconds: number): Promise<string> {
  const container = planContainer(plan, 'ghost');
  const runs = [
    { label: `the stack's default (memory ${container.memory} MiB, memory+swap ${container.memory_swap} MiB)`, limits: { memoryMb: container.memory, memorySwapMb: container.memory_swap } },
    { label: `the article's (memory ${ARTICLE_GHOST_MEMORY.memoryMb} MiB, memory+swap ${ARTICLE_GHOST_MEMORY.memorySwapMb} MiB)`, limits: ARTICLE_GHOST_MEMORY },
  ];
  const swap = fs.readFileSync('/proc/swaps', 'utf8').trim().split('\n').length > 1;
  const lines = [
    `### Ghost's memory (cgroup v1, ${swap ? 'with' : 'without'} swap on this machine)`,
    '',
    '| Limits | Boot | Peak after 2,000 mixed requests (MiB) | Peak under 32 uncached connections (MiB) | Uncached req/s | OOM kills |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const { label, limits } of runs) {
    let started: { mariadb: MariadbServer; ghost: GhostServer };
    try {
      started = await startGhost(plan, limits);
    } catch (error) {
      const usage = (error as { usage?: { peakMiB: number; oomKills: number } }).usage;
      lines.push(`| ${label} | failed: ${(error as Error).message.split('. Its log')[0]} | ${usage ? usage.peakMiB.toFixed(0) : '?'} | | | ${usage?.oomKills ?? '?'} |`);
      continue;
    }
    const { mariadb, ghost } = started;
    const preview = await startPreview({ nginx, settings, upstream: { host: ghost.host, port: ghost.port }, httpPort: 80, httpsPort: PORTS.generated, healthPort: PROXY_HEALTH_PORT });
    try {
      const client = new GhostClient({ origin: `https://${BLOG}`, caFile: preview.certificateFile });
      const post = await seed(client);
      const admin = { cookie: client.cookieHeader, origin: `https://${BLOG}` };
      const common = { host: BLOG, port: PORTS.generated, caFile: preview.certificateFile };
      await driveLoad({
        ...common,
        concurrency: 8,
        total: 2000,
        next: (n) => [{ path: '/' }, { path: post }, { path: '/ghost/api/admin/posts/?limit=5&include=tags,authors', headers: admin }, { path: `${post}?visitor=${n}`, localAddress: `127.0.1.${n % 200}` }][n % 4],
      });
      const mixed = ghost.cgroup!.usage();
      const sustained = await driveLoad({ ...common, concurrency: 32, durationMs: seconds * 1000, next: () => ({ path: '/ghost/api/admin/posts/?limit=15&include=tags,authors', headers: admin }) });
      const after = ghost.cgroup!.usage();
      const answered = sustained.statuses[200] ?? 0;
      lines.push(`| ${label} | ${ghost.running ? 'ok' : 'killed'} | ${mixed.peakMiB.toFixed(0)} | ${after.peakMiB.toFixed(0)} | ${(answered / sustained.seconds).toFixed(0)} | ${after.oomKills} |`);
    } finally {
      await preview.stop();
      await ghost.destroy();
      await mariadb.destroy();
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '32' },
      'memory-seconds': { type: 'string', default: '30' },
    },
  });
  for (const [tool, pkg] of [['wrk', 'wrk'], ['caddy', 'caddy'], ['curl', 'curl']]) {
    await run('sh', ['-c', `command -v ${tool}`]).catch(() => {
      throw new Error(`No ${tool} on PATH (Debian: apt-get install ${pkg}).`);
    });
  }
  // The default stack, whatever blog.settings.json says: the figures are the defaults'.
  const settings: BlogHostSettings = {};
  const settingsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-settings-')), 'defaults.json');
  fs.writeFileSync(settingsFile, JSON.stringify(settings));
  const plan = synthesizeStack({ settingsFile });
  fs.rmSync(path.dirname(settingsFile), { recursive: true, force: true });
  const nginxes = findLocalNginxes();
  if (nginxes.length === 0) throw new Error('No nginx on PATH (Debian: apt-get install nginx-light), or set NGINX_BIN.');
  const options = { rounds: Number(values.rounds), seconds: Number(values.seconds), connections: Number(values.connections) };
  process.stdout.write(`Ghost behind three proxies on ${os.cpus().length} cores\n\n`);
  // Each section as soon as it is measured: a run over two builds takes over an hour.
  for (const nginx of nginxes) process.stdout.write(`\n${await throughput(nginx, plan, settings, options)}`);
  process.stdout.write(`\n${await memory(plan, settings, nginxes[0], Number(values['memory-seconds']))}`);
}

main().catch((error: Error) => {
  process.stderr.write(`bench:ghost: ${error.message}\n`);
  process.exit(1);
});
