import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PROXY_ASSET_DIR } from '../core/proxy-options';
import { waitFor } from '../test-support/polling';
import { commandExists, describeWhenAvailable } from '../test-support/required-tools';
import { stopProcess } from '../tools/nginx-harness';

/**
 * The proxy's watcher (assets/proxy/proxy-watch.sh), run with the machine's sh against a
 * state directory of its own and a reload command that only counts. The real-NGINX and
 * end-to-end suites run it against NGINX itself.
 */
const SCRIPT = path.join(PROXY_ASSET_DIR, 'proxy-watch.sh');
const HOOK = path.join(PROXY_ASSET_DIR, 'entrypoint', '90-proxy-watch.sh');

/** How many reloads the counting reload command wrote into `file`. */
function reloadsIn(file: string): number {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').length : 0;
}

describe('proxy-watch.sh', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxy-watch-'));
  const state = path.join(dir, 'state');
  const envFile = path.join(dir, 'proxy-watch.env');
  const reloads = path.join(dir, 'reloads');
  const reloadScript = path.join(dir, 'reload.sh');
  let watcher: ChildProcess | undefined;

  beforeAll(() => {
    fs.writeFileSync(envFile, `PROXY_STATE_DIR=${state}\nPROXY_CACHE_GENERATION=${state}/generation.conf\nPROXY_CACHE_INVALIDATIONS=${state}/invalidations.log\n`);
    fs.writeFileSync(reloadScript, `#!/bin/sh\necho reload >> ${reloads}\n`, { mode: 0o755 });
  });

  afterAll(async () => {
    if (watcher) await stopProcess(watcher, 'SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Only the lint needs shellcheck: the script's behaviour is tested wherever sh runs.
  describeWhenAvailable('shellcheck', commandExists('shellcheck'), 'install shellcheck', () => {
    it('passes shellcheck, as does the image hook that starts it', () => {
      const result = spawnSync('shellcheck', ['--severity=style', '--format=gcc', SCRIPT, HOOK], { encoding: 'utf8' });
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    });
  });

  it('prepares the state NGINX reads at start, with a generation no earlier start used, and keeps a generation it finds', () => {
    const before = Math.floor(Date.now() / 1000);
    expect(spawnSync('sh', [SCRIPT, 'init', envFile]).status).toBe(0);
    // The start time: the page cache outlives the container, so a restart must not reuse 0, 1, ...
    const first = Number(/^default (\d+);\n$/.exec(fs.readFileSync(path.join(state, 'generation.conf'), 'utf8'))?.[1]);
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(fs.existsSync(path.join(state, 'invalidations.log'))).toBe(true);
    fs.writeFileSync(path.join(state, 'generation.conf'), 'default 7;\n');
    spawnSync('sh', [SCRIPT, 'init', envFile]);
    expect(fs.readFileSync(path.join(state, 'generation.conf'), 'utf8')).toBe('default 7;\n');
    fs.writeFileSync(path.join(state, 'generation.conf'), 'default 0;\n');
  });

  it('refuses an environment file without the state paths', () => {
    const bad = path.join(dir, 'bad.env');
    fs.writeFileSync(bad, 'PROXY_STATE_DIR=/tmp/x\n');
    const result = spawnSync('sh', [SCRIPT, 'run', bad], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/sets no PROXY_CACHE_GENERATION/);
  });

  it('moves to a new generation and reloads once per burst of invalidations, never in a loop', async () => {
    watcher = spawn('sh', [SCRIPT, 'run', envFile], { env: { ...process.env, PROXY_RELOAD_COMMAND: reloadScript, PROXY_WATCH_INTERVAL: '0.2' }, stdio: 'ignore' });
    const count = () => reloadsIn(reloads);
    await new Promise((r) => setTimeout(r, 500));
    expect(count()).toBe(0);

    fs.appendFileSync(path.join(state, 'invalidations.log'), '1.0 /*\n2.0 /*\n');
    await waitFor(() => count() === 1);
    expect(fs.readFileSync(path.join(state, 'generation.conf'), 'utf8')).toBe('default 1;\n');
    expect(fs.readFileSync(path.join(state, 'invalidations.log'), 'utf8')).toBe('');

    await new Promise((r) => setTimeout(r, 1000));
    expect(count()).toBe(1);

    fs.appendFileSync(path.join(state, 'invalidations.log'), '3.0 /*\n');
    await waitFor(() => count() === 2);
    expect(fs.readFileSync(path.join(state, 'generation.conf'), 'utf8')).toBe('default 2;\n');
  });
});

describeWhenAvailable('proxy-watch.sh and the certificate', commandExists('openssl'), 'install openssl', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxy-watch-tls-'));
  const source = path.join(dir, 'source');
  const serving = path.join(dir, 'state', 'tls');
  const envFile = path.join(dir, 'proxy-watch.env');
  const reloads = path.join(dir, 'reloads');
  const reloadScript = path.join(dir, 'reload.sh');
  const log: string[] = [];
  let watcher: ChildProcess | undefined;

  /** A certificate and its key for the names, as a CA or certbot would leave them. */
  function pair(name: string, keyFrom?: string): { cert: string; key: string } {
    const out = path.join(dir, name);
    fs.mkdirSync(out, { recursive: true });
    const key = keyFrom ?? path.join(out, 'privkey.pem');
    if (!keyFrom) spawnSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', key]);
    spawnSync('openssl', ['req', '-x509', '-key', key, '-days', '2', '-subj', `/CN=${name}`, '-out', path.join(out, 'fullchain.pem')]);
    return { cert: path.join(out, 'fullchain.pem'), key };
  }
  const servedSubject = () => spawnSync('openssl', ['x509', '-noout', '-subject', '-in', path.join(serving, 'fullchain.pem')], { encoding: 'utf8' }).stdout.trim();
  const reloadCount = () => reloadsIn(reloads);
  const install = (from: { cert: string; key: string }) => {
    fs.mkdirSync(source, { recursive: true });
    fs.copyFileSync(from.key, path.join(source, 'privkey.pem'));
    fs.copyFileSync(from.cert, path.join(source, 'fullchain.pem'));
  };

  beforeAll(() => {
    fs.writeFileSync(envFile, [
      `PROXY_STATE_DIR=${path.join(dir, 'state')}`,
      `PROXY_CACHE_GENERATION=${path.join(dir, 'state', 'generation.conf')}`,
      `PROXY_CACHE_INVALIDATIONS=${path.join(dir, 'state', 'invalidations.log')}`,
      `PROXY_TLS_SOURCE_CERT=${path.join(source, 'fullchain.pem')}`,
      `PROXY_TLS_SOURCE_KEY=${path.join(source, 'privkey.pem')}`,
      `PROXY_TLS_CERT=${path.join(serving, 'fullchain.pem')}`,
      `PROXY_TLS_KEY=${path.join(serving, 'privkey.pem')}`,
      'PROXY_TLS_NAMES="www.example.com example.com"',
      '',
    ].join('\n'));
    fs.writeFileSync(reloadScript, `#!/bin/sh\necho reload >> ${reloads}\n`, { mode: 0o755 });
  });

  afterAll(async () => {
    if (watcher) await stopProcess(watcher, 'SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves a self-signed stand-in for every name until there is a certificate, made when it starts', () => {
    const init = spawnSync('sh', [SCRIPT, 'init', envFile], { encoding: 'utf8' });
    expect(init.status).toBe(0);
    expect(init.stderr).toContain('serving a self-signed one for www.example.com example.com');
    expect(servedSubject()).toBe('subject=CN = www.example.com');
    const names = spawnSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', path.join(serving, 'fullchain.pem')], { encoding: 'utf8' }).stdout;
    expect(names).toContain('DNS:www.example.com, DNS:example.com');
    expect(fs.statSync(path.join(serving, 'privkey.pem')).mode & 0o077).toBe(0);
  });

  it('installs a new pair once with one reload, and waits while the key does not match', async () => {
    watcher = spawn('sh', [SCRIPT, 'run', envFile], { env: { ...process.env, PROXY_RELOAD_COMMAND: reloadScript, PROXY_WATCH_INTERVAL: '0.2' } });
    watcher.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    const first = pair('first.example.com');
    install(first);
    await waitFor(() => reloadCount() === 1);
    expect(servedSubject()).toBe('subject=CN = first.example.com');
    await new Promise((r) => setTimeout(r, 800));
    expect(reloadCount()).toBe(1);

    // A renewal caught half-written: the new certificate, the old key.
    const second = pair('second.example.com');
    fs.copyFileSync(second.cert, path.join(source, 'fullchain.pem'));
    // The watcher sees the pair (it says so), and then must not reload.
    await waitFor(() => /does not match the certificate/.test(log.join('')));
    await new Promise((r) => setTimeout(r, 800));
    expect(reloadCount()).toBe(1);
    expect(servedSubject()).toBe('subject=CN = first.example.com');
    expect(log.join('').match(/does not match the certificate/g)).toHaveLength(1);

    fs.copyFileSync(second.key, path.join(source, 'privkey.pem'));
    await waitFor(() => reloadCount() === 2);
    expect(servedSubject()).toBe('subject=CN = second.example.com');
    expect(log.join('')).toMatch(/reloaded NGINX: new certificate from .*serial=/);
  });
});
