// npm run bench:proxy [-- --rounds N --seconds S --connections C --handshakes H]
//
// The generated proxy configuration against the article's (../shared/seed/baseline-nginx/,
// with only paths, listen ports and the upstream address changed), on the local NGINX, in
// one run, against one stand-in Ghost. Prints medians of several interleaved rounds and the
// ratios to the baseline. A benchmark, not a test: the machine is small and noisy, so read
// the ratios, not the absolute numbers.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs, promisify } from 'util';
import { atLeast, NGINX_FEATURES, parseVersion } from '../core/nginx-version';
import { CONTAINER_DEFAULTS, DEFAULT_BLOG_DOMAIN } from '../core/settings-schema';
import { BASELINE_CHANGES, SEED, startBaseline, Target } from './baseline-nginx';
import { median } from './bench-statistics';
import { findLocalNginx, LocalNginx, nginxLabel, RunningPreview, startPreview } from './nginx-harness';
import { cpuSeconds, pssMiB } from './process-usage';
import { StandInServer } from './stand-in-server';

const run = promisify(execFile);
const BLOG = DEFAULT_BLOG_DOMAIN;
/** The proxy container's memory limit, which NGINX's peak must stay well inside. */
const PROXY_MEMORY_LIMIT_MIB = CONTAINER_DEFAULTS.proxy.memoryMb;

async function startGenerated(nginx: LocalNginx, ghost: StandInServer): Promise<{ target: Target; preview: RunningPreview }> {
  const preview = await startPreview({ nginx, upstream: { host: ghost.host, port: ghost.port } });
  return {
    preview,
    target: {
      name: 'generated',
      httpsPort: preview.httpsPort,
      certificateFile: preview.certificateFile,
      pids: () => preview.pids(),
      stop: () => preview.stop(),
    },
  };
}

interface Scenario {
  readonly name: string;
  readonly path: string;
  readonly headers: readonly string[];
  /**
   * The load generator. wrk keeps each connection's TLS session when it reconnects
   * (SSL_clear keeps it), so with `Connection: close` it measures resumed handshakes: a
   * returning visitor. curl with `--no-sessionid` resumes nothing: a full handshake per
   * connection, a new visitor.
   */
  readonly client: 'wrk' | 'curl';
  /** Cap the client's TLS version (through an OpenSSL configuration file for it alone). */
  readonly maxTls?: 'TLSv1.2';
}

const BROWSER = ['Accept-Encoding: gzip'];
const SCENARIOS: readonly Scenario[] = [
  { name: 'static file', path: '/humans.txt', headers: BROWSER, client: 'wrk' },
  // A signed-in member: never cached by the generated proxy, and the baseline caches nothing.
  { name: 'uncached Ghost page', path: '/a-post/', headers: [...BROWSER, 'Cookie: ghost-members-ssr=member'], client: 'wrk' },
  { name: 'cached Ghost page', path: '/a-post/', headers: BROWSER, client: 'wrk' },
  // A new connection with a full TLS handshake for every request: each proxy's newest protocol.
  { name: 'full handshakes', path: '/humans.txt', headers: [...BROWSER, 'Connection: close'], client: 'curl' },
  // A new connection for every request that resumes the client's earlier TLS session.
  { name: 'resumed handshakes', path: '/humans.txt', headers: [...BROWSER, 'Connection: close'], client: 'wrk' },
  // The same with both proxies held to TLS 1.2, the newest the article's configuration speaks.
  { name: 'resumed TLS 1.2 handshakes', path: '/humans.txt', headers: [...BROWSER, 'Connection: close'], client: 'wrk', maxTls: 'TLSv1.2' },
];

/** An OpenSSL configuration that caps the client's protocol version, for wrk's environment. */
function writeOpensslConf(dir: string, maxTls: string): string {
  const file = path.join(dir, `openssl-max-${maxTls}.cnf`);
  fs.writeFileSync(file, [
    'openssl_conf = default_conf',
    '[default_conf]',
    'ssl_conf = ssl_sect',
    '[ssl_sect]',
    'system_default = system_default_sect',
    '[system_default_sect]',
    `MaxProtocol = ${maxTls}`,
    '',
  ].join('\n'));
  return file;
}

interface Measurement {
  /** Requests per second: as wrk reports it, or transfers over elapsed time for curl. */
  readonly rate: number;
  /** CPU time of all NGINX processes per request, in milliseconds: the proxy's own cost. */
  readonly cpuMsPerRequest: number;
}

interface LoadOptions {
  readonly seconds: number;
  readonly connections: number;
  /** Full handshakes per curl round: curl runs a fixed number of transfers, not for a time. */
  readonly handshakes: number;
  readonly hostsFile: string;
}

function clientEnv(scenario: Scenario, options: LoadOptions): NodeJS.ProcessEnv {
  return scenario.maxTls ? { ...process.env, OPENSSL_CONF: writeOpensslConf(path.dirname(options.hostsFile), scenario.maxTls) } : process.env;
}

function measure(target: Target, scenario: Scenario, options: LoadOptions): Promise<Measurement> {
  return scenario.client === 'curl' ? curl(target, scenario, options) : wrk(target, scenario, options);
}

/**
 * wrk sends the URL's host as SNI, and the generated proxy refuses unknown names in the
 * handshake. So wrk runs in a private mount namespace whose /etc/hosts points the blog's
 * name at loopback: the real name goes out as SNI, and the host's files stay untouched.
 */
async function wrk(target: Target, scenario: Scenario, options: LoadOptions): Promise<Measurement> {
  const { seconds, connections, hostsFile } = options;
  const pids = target.pids();
  const cpuBefore = cpuSeconds(pids);
  const args = ['-t', '2', '-c', String(connections), '-d', `${seconds}s`, '--timeout', '5s'];
  for (const header of scenario.headers) args.push('-H', header);
  args.push(`https://${BLOG}:${target.httpsPort}${scenario.path}`);
  const script = 'mount --bind "$0" /etc/hosts && exec wrk "$@"';
  const env = clientEnv(scenario, options);
  const { stdout } = await run('unshare', ['--mount', '--map-root-user', 'sh', '-c', script, hostsFile, ...args], { timeout: (seconds + 30) * 1000, env });
  const cpu = cpuSeconds(pids) - cpuBefore;
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1];
  const requests = /(\d+) requests in/.exec(stdout)?.[1];
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1];
  if (!rate || !requests) throw new Error(`wrk printed no rate:\n${stdout}`);
  if (errors) throw new Error(`${target.name} answered ${errors} requests with errors in "${scenario.name}":\n${stdout}`);
  return { rate: Number(rate), cpuMsPerRequest: (cpu * 1000) / Number(requests) };
}

/**
 * Full handshakes: curl with `--no-sessionid` offers no session to resume, so every
 * connection (closed after one request) negotiates keys and checks the certificate anew.
 * `--resolve` sends the blog's name as SNI without touching /etc/hosts.
 */
async function curl(target: Target, scenario: Scenario, options: LoadOptions): Promise<Measurement> {
  const { connections, handshakes } = options;
  const pids = target.pids();
  const cpuBefore = cpuSeconds(pids);
  const args = [
    // HTTP/1.1 like wrk: over HTTP/2, curl would multiplex every transfer on one connection.
    '--http1.1', '--silent', '--show-error', '--no-sessionid', '--parallel', '--parallel-max', String(connections),
    '--cacert', target.certificateFile, '--resolve', `${BLOG}:${target.httpsPort}:127.0.0.1`,
    '--output', '/dev/null', '--write-out', '%{http_code} %{num_connects}\\n',
  ];
  for (const header of scenario.headers) args.push('--header', header);
  args.push(`https://${BLOG}:${target.httpsPort}${scenario.path}?[1-${handshakes}]`);
  const started = process.hrtime.bigint();
  const { stdout } = await run('curl', args, { env: clientEnv(scenario, options), maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = cpuSeconds(pids) - cpuBefore;
  const transfers = stdout.trim().split('\n').map((line) => line.split(' ').map(Number));
  const failed = transfers.filter(([status]) => !(status >= 200 && status < 400));
  const reused = transfers.filter(([, connects]) => connects !== 1);
  if (transfers.length !== handshakes || failed.length) throw new Error(`${target.name} failed ${failed.length} of ${transfers.length} transfers in "${scenario.name}"`);
  if (reused.length) throw new Error(`curl reused ${reused.length} connections in "${scenario.name}": not one handshake per request`);
  return { rate: handshakes / seconds, cpuMsPerRequest: (cpu * 1000) / handshakes };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '32' },
      handshakes: { type: 'string', default: '1500' },
    },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const handshakes = Number(values.handshakes);
  const nginx = findLocalNginx();
  if (!nginx) throw new Error('No nginx on PATH (Debian: apt-get install nginx-light).');
  await run('wrk', ['--version']).catch((error: { stdout?: string }) => {
    if (!error.stdout?.includes('wrk')) throw new Error('No wrk on PATH (Debian: apt-get install wrk).');
  });
  await run('curl', ['--version']).catch(() => {
    throw new Error('No curl on PATH (Debian: apt-get install curl).');
  });
  if (!fs.existsSync(SEED)) throw new Error(`The article's configuration is not at ${SEED}.`);
  const hostsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hosts-')), 'hosts');
  fs.writeFileSync(hostsFile, `127.0.0.1 localhost ${BLOG}\n`);

  // A Ghost-sized page (about 45 KB of HTML, like a Casper home page) from one stand-in both proxies share.
  const ghost = new StandInServer({ host: '127.0.0.2', name: 'ghost', paragraphs: 900, record: false });
  await ghost.start();
  const baseline = await startBaseline(nginx, { host: ghost.host, port: ghost.port });
  const { target: generated } = await startGenerated(nginx, ghost);
  const targets = [baseline, generated];
  const results = new Map<string, Measurement[]>();
  const peakPss = new Map(targets.map((t) => [t.name, 0]));
  const sampler = setInterval(() => {
    for (const t of targets) peakPss.set(t.name, Math.max(peakPss.get(t.name)!, pssMiB(t.pids())));
  }, 250);
  try {
    process.stdout.write(
      `NGINX ${nginx.version}, OpenSSL ${nginx.openssl}, ${os.cpus().length} cores; ${rounds} rounds of ${seconds} s (wrk -t 2) ` +
        `or ${handshakes} handshakes (curl), ${connections} connections\n`,
    );
    const load: LoadOptions = { seconds, connections, handshakes, hostsFile };
    for (let round = 1; round <= rounds; round++) {
      for (const scenario of SCENARIOS) {
        // Alternate which proxy goes first so that drift on a noisy machine falls on both.
        const order = round % 2 ? targets : [...targets].reverse();
        for (const target of order) {
          const key = `${target.name}|${scenario.name}`;
          results.set(key, [...(results.get(key) ?? []), await measure(target, scenario, load)]);
        }
      }
      process.stdout.write(`round ${round}/${rounds} done\n`);
    }
    report(results, peakPss, nginx);
  } finally {
    clearInterval(sampler);
    await generated.stop();
    await baseline.stop();
    await ghost.stop();
    fs.rmSync(path.dirname(hostsFile), { recursive: true, force: true });
  }
}

function report(results: Map<string, Measurement[]>, peakPss: Map<string, number>, nginx: LocalNginx): void {
  const base = 'baseline (article)';
  const ours = 'generated';
  const rate = (target: string, scenario: string) => median(results.get(`${target}|${scenario}`)!.map((m) => m.rate));
  const cpu = (target: string, scenario: string) => median(results.get(`${target}|${scenario}`)!.map((m) => m.cpuMsPerRequest));
  const verdict = (ratio: number, goal: number) => `${ratio >= goal ? 'met' : 'MISSED'}`;
  const rows: [string, string, string, number][] = [
    ['static file', 'static file', 'static file', 1.0],
    ['uncached Ghost page', 'uncached Ghost page', 'uncached Ghost page', 1.3],
    ["cached Ghost page (vs the baseline's uncached)", 'uncached Ghost page', 'cached Ghost page', 3.0],
    ['new TLS connections, full handshake (TLS 1.3 against 1.2)', 'full handshakes', 'full handshakes', 1.0],
    ['new TLS connections, resumed session (TLS 1.3 against 1.2)', 'resumed handshakes', 'resumed handshakes', 1.0],
    ['new TLS connections, resumed session, both held to TLS 1.2', 'resumed TLS 1.2 handshakes', 'resumed TLS 1.2 handshakes', 1.0],
  ];
  const peakBase = peakPss.get(base)!;
  const peakOurs = peakPss.get(ours)!;
  const lines = [
    '',
    '| Scenario | Baseline req/s | Generated req/s | Ratio | Target | NGINX CPU ms/req, baseline → generated |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...rows.map(([name, baseScenario, ourScenario, goal]) => {
      const ratio = rate(ours, ourScenario) / rate(base, baseScenario);
      return `| ${name} | ${rate(base, baseScenario).toFixed(0)} | ${rate(ours, ourScenario).toFixed(0)} | ${ratio.toFixed(2)} | ≥ ${goal.toFixed(1)}: ${verdict(ratio, goal)} | ${cpu(base, baseScenario).toFixed(3)} → ${cpu(ours, ourScenario).toFixed(3)} |`;
    }),
    '',
    `| Peak memory of all NGINX processes (PSS, MiB) | Baseline | Generated | Proxy limit |`,
    '| --- | ---: | ---: | ---: |',
    `| sampled every 250 ms during the run | ${peakBase.toFixed(1)} | ${peakOurs.toFixed(1)} | ${PROXY_MEMORY_LIMIT_MIB} (generated uses ${((100 * peakOurs) / PROXY_MEMORY_LIMIT_MIB).toFixed(0)}%) |`,
    '',
    atLeast(parseVersion('nginx -V', nginx.version), NGINX_FEATURES.upstreamResolve)
      ? `${nginxLabel(nginx)}: the configuration is rendered for it, so Ghost is reached through an upstream re-resolved with \`resolve\`, with keep-alive.`
      : `${nginxLabel(nginx)}: the configuration is rendered for it, so Ghost is reached through a variable resolved per request, without upstream keep-alive (\`resolve\` with keep-alive needs NGINX 1.27.3).`,
    'The baseline cannot negotiate TLS 1.3; the generated proxy does. Full handshakes (curl, no session reuse) pay for',
    'the key exchange: X25519 for the generated proxy, the baseline\'s secp384r1 for the article. Resumed handshakes',
    '(wrk) skip the certificate; TLS 1.3 still runs a fresh key exchange on resumption for forward secrecy, which',
    'TLS 1.2 session-ID resumption does not. The last row holds the client to TLS 1.2 for a like-for-like comparison.',
    'Baseline run changes:',
    ...BASELINE_CHANGES.map((change) => `- ${change}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`bench:proxy: ${error.message}\n`);
  process.exit(1);
});
