import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lineageFiles } from '../core/certificates';
import { BlogHostSettings } from '../core/settings-schema';
import { synthBlogHost } from '../test-support/synth';
import { planEnvironment } from '../tools/ghost-server';
import { RunningPreview, startPreview, stopProcess } from '../tools/nginx-harness';
import { PebbleServer } from '../tools/pebble-server';
import { StandInServer } from '../tools/stand-in-server';

/**
 * The stack gets its own certificate, against real parts: Let's Encrypt's test CA
 * (pebble), Debian's certbot run by the same script the ACME client image runs
 * (assets/acme/acme-client.sh) with the environment the synthesized plan gives the client,
 * and the generated proxy on a real NGINX, answering challenges on the real port 80 of the
 * test namespace (npm run test:e2e). Pebble rejects some good nonces at random, as a real
 * CA may; the client copes by retrying.
 */
const CLIENT = path.join(__dirname, '..', 'assets', 'acme', 'acme-client.sh');
const NAMES = ['www.example.com', 'example.com'];

let pebble: PebbleServer;
let ghost: StandInServer;
let proxy: RunningPreview;
let work: string;
let planEnv: Record<string, string>;
let loop: ChildProcess | undefined;

/** The client's environment: the plan's, with the container's folders mapped to the test's. */
function clientEnv(configDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...planEnv,
    ACME_CONFIG_DIR: configDir,
    ACME_WEBROOT: path.join(work, 'webroot'),
    ACME_WORK_DIR: path.join(configDir, 'work'),
    ACME_LOGS_DIR: path.join(configDir, 'logs'),
    REQUESTS_CA_BUNDLE: pebble.caFile,
    ...extra,
  };
}

/** One attempt; a bad nonce from pebble is retried, as the client's loop would. */
function attempt(configDir: string, extra: Record<string, string> = {}, tries = 4): { status: number | null; output: string } {
  let result = { status: null as number | null, output: '' };
  for (let i = 0; i < tries; i++) {
    const run = spawnSync('sh', [CLIENT, 'once'], { env: clientEnv(configDir, extra), encoding: 'utf8', timeout: 60_000 });
    result = { status: run.status, output: `${run.stdout}${run.stderr}` };
    const log = path.join(configDir, 'logs', 'letsencrypt.log');
    const badNonce = fs.existsSync(log) && /badNonce/.test(fs.readFileSync(log, 'utf8').split('\n').slice(-200).join('\n'));
    if (result.status === 0 || !badNonce) break;
  }
  return result;
}

/** The certificate the proxy serves for a name, as a browser would get it. */
function served(name: string): { issuer: string; serial: string } {
  const client = spawnSync('openssl', ['s_client', '-connect', '127.0.0.1:443', '-servername', name], { input: '', encoding: 'utf8', timeout: 10_000 });
  const fields = spawnSync('openssl', ['x509', '-noout', '-issuer', '-serial'], { input: client.stdout, encoding: 'utf8' }).stdout;
  return { issuer: /^issuer=(.*)$/m.exec(fields)?.[1] ?? '', serial: /^serial=(.*)$/m.exec(fields)?.[1] ?? '' };
}

function serialOf(file: string): string {
  return /^serial=(.*)$/m.exec(spawnSync('openssl', ['x509', '-noout', '-serial', '-in', file], { encoding: 'utf8' }).stdout)?.[1] ?? '';
}

function masterPid(): string {
  return fs.readFileSync(path.join(proxy.prefix, 'logs', 'nginx.pid'), 'utf8').trim();
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'acme-e2e-'));
  fs.chmodSync(work, 0o755);
  fs.mkdirSync(path.join(work, 'webroot'), { mode: 0o755 });
  pebble = new PebbleServer();
  await pebble.start();
  // The settings a user would write for a private CA: the plan gives the client its names,
  // contact and directory.
  const settings: BlogHostSettings = { tls: { acme: { email: 'admin@example.com', directory: pebble.directoryUrl } } };
  planEnv = planEnvironment(synthBlogHost(settings).json, 'acme');
  ghost = new StandInServer({ host: '127.0.0.3', name: 'ghost' });
  await ghost.start();
  proxy = await startPreview({
    settings,
    upstream: { host: ghost.host, port: ghost.port },
    httpPort: 80,
    httpsPort: 443,
    healthPort: 8081,
    certificateSource: lineageFiles(path.join(work, 'letsencrypt')),
    acmeChallengeRoot: path.join(work, 'webroot'),
  });
}, 60_000);

afterAll(async () => {
  if (loop) await stopProcess(loop, 'SIGTERM');
  await proxy?.stop();
  await ghost?.stop();
  await pebble?.destroy();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('certificates from the stack itself', () => {
  const configDir = () => path.join(work, 'letsencrypt');

  it('takes its names, contact and directory from the plan', () => {
    expect(planEnv.ACME_DOMAINS).toBe(NAMES.join(' '));
    expect(planEnv.ACME_EMAIL).toBe('admin@example.com');
    expect(planEnv.ACME_DIRECTORY).toBe(pebble.directoryUrl);
  });

  it('serves a self-signed stand-in before there is a certificate, and says it is unhealthy', () => {
    expect(served('www.example.com').issuer).toBe('CN = www.example.com');
    const health = spawnSync('sh', [CLIENT, 'health'], { env: clientEnv(configDir()), encoding: 'utf8' });
    expect(health.status).toBe(1);
    expect(health.stdout).toMatch(/no certificate yet for www\.example\.com example\.com/);
  });

  it('gets a certificate for every name from nothing, and the proxy serves it without a restart', async () => {
    const pid = masterPid();
    // The client as the container runs it: its loop, with a short back-off for the test.
    loop = spawn('sh', [CLIENT, 'run'], { env: clientEnv(configDir(), { ACME_RETRY_MIN: '1', ACME_CHECK_INTERVAL: '3600' }), stdio: 'ignore' });
    const lineage = lineageFiles(configDir());
    await until('a certificate from pebble', () => (fs.existsSync(lineage.certificateFile) ? true : undefined), 90_000);
    const serial = serialOf(lineage.certificateFile);
    for (const name of NAMES) {
      const answer = await until(`the new certificate served for ${name}`, () => {
        const now = served(name);
        return now.serial === serial ? now : undefined;
      });
      expect(answer.issuer).toMatch(/Pebble Intermediate CA/);
    }
    expect(masterPid()).toBe(pid);
    expect(spawnSync('sh', [CLIENT, 'health'], { env: clientEnv(configDir()) }).status).toBe(0);
    await stopProcess(loop, 'SIGTERM');
    loop = undefined;
  }, 120_000);

  it('renews when forced, and the proxy serves the new serial from the same master', async () => {
    const pid = masterPid();
    const before = served('www.example.com').serial;
    const result = attempt(configDir(), { ACME_FORCE_RENEWAL: '1' });
    expect([result.status, result.output]).toEqual([0, expect.anything()]);
    const after = serialOf(lineageFiles(configDir()).certificateFile);
    expect(after).not.toBe(before);
    await until('the renewed certificate served', () => (served('www.example.com').serial === after ? true : undefined));
    expect(fs.readFileSync(proxy.watchLog, 'utf8')).toMatch(/reloaded NGINX: new certificate from .*serial=/);
    expect(masterPid()).toBe(pid);
  }, 120_000);

  it('keeps the current certificate in service while the CA is down, and retries with back-off', async () => {
    const current = served('www.example.com').serial;
    await pebble.stop();
    const failed = attempt(configDir(), { ACME_FORCE_RENEWAL: '1' }, 1);
    expect(failed.status).not.toBe(0);
    const health = spawnSync('sh', [CLIENT, 'health'], { env: clientEnv(configDir()), encoding: 'utf8' });
    expect(health.status).toBe(1);
    expect(health.stdout).toMatch(/the last attempt failed: failed \d+ certbot exited with 1/);
    // The loop backs off: 1 s, then 2 s, then 4 s...
    const output: string[] = [];
    loop = spawn('sh', [CLIENT, 'run'], { env: clientEnv(configDir(), { ACME_FORCE_RENEWAL: '1', ACME_RETRY_MIN: '1' }) });
    loop.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await until('two retries', () => ((output.join('').match(/retrying in \d+s/g) ?? []).length >= 2 ? true : undefined), 30_000);
    expect(output.join('')).toMatch(/retrying in 1s[^]*retrying in 2s/);
    await stopProcess(loop, 'SIGTERM');
    loop = undefined;
    expect(served('www.example.com').serial).toBe(current);
  }, 60_000);

  it('refuses a name whose challenge cannot be reached, clearly, and the proxy keeps serving', async () => {
    await pebble.start();
    // A fresh account: pebble forgets accounts when it restarts.
    const elsewhere = path.join(work, 'letsencrypt-wrong-dns');
    const result = attempt(elsewhere, { ACME_DOMAINS: 'www.example.com wrong-dns.example.com' });
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/Domain: wrong-dns\.example\.com[^]*Type:\s+connection/);
    expect(fs.existsSync(lineageFiles(elsewhere).certificateFile)).toBe(false);
    expect(served('www.example.com').issuer).toMatch(/Pebble Intermediate CA/);
    const page = spawnSync('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', '--resolve', 'www.example.com:443:127.0.0.1', 'https://www.example.com/humans.txt'], { encoding: 'utf8' });
    expect(page.stdout).toBe('200');
  }, 120_000);
});
