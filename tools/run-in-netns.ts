// tools/run-in-netns.ts [--skip-when-unavailable] COMMAND [ARGUMENTS...]
// (npm run test:e2e runs Jest with it, npm run bench:ghost the Ghost benchmark)
//
// Runs a command inside a private network namespace made for the run: its own
// loopback, so the proxy binds the real ports 80 and 443 and Ghost's absolute links and the
// proxy's redirects work unchanged; a hosts file that points the blog's names, "mysql" and
// the mail relay at loopback, as Docker's DNS would point them at containers; and a
// resolver that answers nothing, so Ghost's calls to the internet fail at once. Nothing
// leaves the namespace. It is removed afterwards, however the tests end. Needs root.
//
// `ip netns exec` would remount /sys and hide the cgroup controllers the tests use to limit
// Ghost's memory and freeze the database; so the tests join the namespace with nsenter, in a
// private mount namespace where only /etc/hosts and /etc/resolv.conf are replaced.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { installRealGhost } from './install-real-ghost';
import { E2E_HOSTS } from './real-ghost-stack';

const ROOT = path.join(__dirname, '..');

function ip(...args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
}

/** What the suites need from the machine, and where each comes from. */
const REQUIRED: readonly [string, string][] = [
  ['ip', 'iproute2'],
  ['unshare', 'util-linux'],
  ['nsenter', 'util-linux'],
  ['mariadbd', 'mariadb-server'],
  ['mariadb', 'mariadb-client'],
  ['chromium', 'chromium'],
];

function missing(): string[] {
  const problems = REQUIRED.filter(([command]) => spawnSync('sh', ['-c', `command -v ${command} || test -x /usr/sbin/${command}`], { stdio: 'ignore' }).status !== 0)
    .map(([command, pkg]) => `${command} (Debian: ${pkg})`);
  if (process.getuid?.() !== 0) problems.push('root (the suites make a network namespace and bind ports 80 and 443)');
  return problems;
}

function main(argv: string[]): number {
  const skippable = argv[0] === '--skip-when-unavailable';
  const command = skippable ? argv.slice(1) : argv;
  if (command.length === 0) throw new Error('expected a command to run in the namespace');
  const absent = missing();
  if (absent.length > 0) {
    const message = `running a real Ghost needs ${absent.join(', ')}`;
    // As with the real-NGINX suites: a developer's machine may skip the tests, CI may not.
    if (!skippable || process.env.CI === 'true') throw new Error(message);
    process.stderr.write(`Skipping the end-to-end suites: ${message}.\n`);
    return 0;
  }
  installRealGhost();
  const name = `ghost-e2e-${process.pid}`;
  const etc = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-etc-'));
  const cleanUp = () => {
    spawnSync('ip', ['netns', 'del', name]);
    fs.rmSync(etc, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }
  ip('netns', 'add', name);
  try {
    ip('-n', name, 'link', 'set', 'lo', 'up');
    const hosts = path.join(etc, 'hosts');
    const resolv = path.join(etc, 'resolv.conf');
    fs.writeFileSync(hosts, `${Object.entries(E2E_HOSTS).map(([address, names]) => `${address} ${names.join(' ')}`).join('\n')}\n::1 localhost\n`);
    fs.writeFileSync(resolv, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
    const join = 'mount --bind "$0" /etc/hosts && mount --bind "$1" /etc/resolv.conf && ns="$2" && shift 2 && exec nsenter --net="$ns" "$@"';
    const result = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', join, hosts, resolv, `/var/run/netns/${name}`, ...command], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    return result.status ?? 1;
  } finally {
    cleanUp();
  }
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (error) {
  process.stderr.write(`run-in-netns: ${(error as Error).message}\n`);
  process.exit(1);
}
