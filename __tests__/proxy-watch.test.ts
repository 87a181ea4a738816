import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PROXY_ASSET_DIR } from '../core/proxy-options';
import { commandExists, describeWhenAvailable } from '../test-support/required-tools';
import { stopProcess } from '../tools/nginx-harness';

/**
 * The proxy's watcher (assets/proxy/proxy-watch.sh), run with the machine's sh against a
 * state directory of its own and a reload command that only counts. The real-NGINX and
 * end-to-end suites run it against NGINX itself.
 */
const SCRIPT = path.join(PROXY_ASSET_DIR, 'proxy-watch.sh');
const HOOK = path.join(PROXY_ASSET_DIR, 'entrypoint', '90-proxy-watch.sh');

describeWhenAvailable('proxy-watch.sh', commandExists('shellcheck'), 'install shellcheck', () => {
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

  it('passes shellcheck, as does the image hook that starts it', () => {
    const result = spawnSync('shellcheck', ['--severity=style', '--format=gcc', SCRIPT, HOOK], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('prepares the state NGINX reads at start, and keeps a generation it finds', () => {
    expect(spawnSync('sh', [SCRIPT, 'init', envFile]).status).toBe(0);
    expect(fs.readFileSync(path.join(state, 'generation.conf'), 'utf8')).toBe('default 0;\n');
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
    const waitFor = async (check: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    const count = () => (fs.existsSync(reloads) ? fs.readFileSync(reloads, 'utf8').trim().split('\n').length : 0);
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
