import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RESTIC_BIN, RESTIC_INSTALL, resticIsRecentEnough, resticVersion } from '../test-support/backup-tools';
import { commandExists, describeWhenAvailable } from '../test-support/required-tools';
import { SftpServer, SSHD } from '../test-support/sftp-server';

/**
 * The backup client's script (assets/backup/backup-client.sh) on its own: its schedule,
 * its health check and how it names what is wrong. The restore drill
 * (backup-service.e2e.test.ts) runs it against a real Ghost and MariaDB.
 */
const CLIENT = path.join(__dirname, '..', 'assets', 'backup', 'backup-client.sh');
const DAY = 86400;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-client-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  TMPDIR: dir,
  RESTIC: RESTIC_BIN,
  RESTIC_REPOSITORY: path.join(dir, 'repository'),
  RESTIC_PASSWORD: 'a-password-of-sixteen',
  BACKUP_HOST: 'blog',
  BACKUP_DB_HOST: '127.0.0.1',
  BACKUP_DB_NAME: 'ghost',
  BACKUP_DB_USER: 'ghost',
  BACKUP_DB_PASSWORD: 'db-password',
  BACKUP_STATE_DIR: path.join(dir, 'state'),
  BACKUP_INTERVAL: String(DAY),
  ...extra,
});
const client = (args: string[], extra: Record<string, string> = {}) => spawnSync('bash', [CLIENT, ...args], { env: env(extra), encoding: 'utf8' });
const now = () => Math.floor(Date.now() / 1000);

describe('backup-client.sh', () => {
  // Only the lint needs shellcheck: the script's behaviour is tested wherever bash runs.
  describeWhenAvailable('shellcheck', commandExists('shellcheck'), 'install shellcheck', () => {
    it('passes shellcheck', () => {
      const result = spawnSync('shellcheck', ['--severity=style', '--format=gcc', CLIENT], { encoding: 'utf8' });
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    });
  });

  it('refuses a command it does not know', () => {
    const result = client(['back-everything-up']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown command back-everything-up (expected run, backup, snapshots, check, restore-check, restore, health or next)');
  });

  it('names what is missing from its environment', () => {
    const result = client(['snapshots'], { RESTIC_PASSWORD: '' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('backup-client: RESTIC_PASSWORD is not set');
  });

  describe('health', () => {
    const state = path.join(dir, 'state');
    beforeEach(() => {
      fs.rmSync(state, { recursive: true, force: true });
      fs.mkdirSync(state, { recursive: true });
    });

    it('is healthy after a recent backup', () => {
      fs.writeFileSync(path.join(state, 'last-backup'), `${now() - DAY} backup:x\n`);
      expect(client(['health']).status).toBe(0);
    });

    it('turns unhealthy when the last backup is older than twice the schedule, and says so', () => {
      fs.writeFileSync(path.join(state, 'last-backup'), `${now() - 2 * DAY - 60} backup:x\n`);
      const result = client(['health']);
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/^the last backup is 1728\d\d s old, more than twice the schedule \(86400 s\)\n$/);
    });

    it('follows the schedule: an hourly client is stale after two hours', () => {
      fs.writeFileSync(path.join(state, 'last-backup'), `${now() - 3 * 3600} backup:x\n`);
      expect(client(['health'], { BACKUP_INTERVAL: '3600' }).status).toBe(1);
      expect(client(['health'], { BACKUP_INTERVAL: String(DAY) }).status).toBe(0);
    });

    it('gives a new client two schedules for its first backup, then turns unhealthy', () => {
      fs.writeFileSync(path.join(state, 'started'), `${now() - DAY}\n`);
      expect(client(['health']).status).toBe(0);
      fs.writeFileSync(path.join(state, 'started'), `${now() - 3 * DAY}\n`);
      const result = client(['health']);
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/^no backup since the client started 2592\d\d s ago\n$/);
    });
  });

  it.each([
    ['daily at 03:00', DAY, '03:00'],
    ['every 6 hours from 00:30', 6 * 3600, '00:30'],
    ['hourly from 23:59', 3600, '23:59'],
  ])('schedules the next backup %s: on the time of day, whole intervals apart, within one interval', (_title, interval, at) => {
    const before = now();
    const result = client(['next'], { BACKUP_INTERVAL: String(interval), BACKUP_AT: at });
    const after = now();
    expect(result.status).toBe(0);
    const [, when, wait] = /^next backup at (\S+ \S+) UTC \(in (\d+) s\)\n$/.exec(result.stdout) ?? [];
    expect(when).toBeDefined();
    expect(Number(wait)).toBeGreaterThan(0);
    expect(Number(wait)).toBeLessThanOrEqual(interval);
    // The script read the clock once, somewhere between the test's two readings: the next run
    // is that reading plus the wait, on a whole minute, a whole number of intervals from the
    // time of day, and the printed time is that minute.
    const [hours, minutes] = at.split(':').map(Number);
    const candidates = Array.from({ length: after - before + 1 }, (_v, i) => before + i + Number(wait))
      .filter((next) => next % 60 === 0 && (next - hours * 3600 - minutes * 60) % interval === 0);
    expect(candidates).toHaveLength(1);
    expect(when).toBe(new Date(candidates[0] * 1000).toISOString().slice(0, 16).replace('T', ' '));
  });
});

describeWhenAvailable('backup-client.sh with restic', resticIsRecentEnough(resticVersion()), RESTIC_INSTALL, () => {
  it('says there is no repository, rather than that a backup is missing', () => {
    const result = client(['restore-check'], { RESTIC_REPOSITORY: path.join(dir, 'nowhere') });
    expect(result.status).toBe(10);
    expect(result.stderr).toContain(`backup-client: there is no restic repository at ${path.join(dir, 'nowhere')}`);
  });

  it('says the password is wrong, in words', () => {
    const repository = path.join(dir, 'locked');
    expect(spawnSync(RESTIC_BIN, ['init'], { env: { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: 'the-right-password' } }).status).toBe(0);
    const result = client(['snapshots'], { RESTIC_REPOSITORY: repository });
    expect(result.status).toBe(12);
    expect(result.stderr).toContain(`the repository password is wrong: RESTIC_PASSWORD does not open ${repository}`);
  });

  it('leaves no file holding a secret behind', () => {
    // An SFTP repository makes the client write the SSH key to a file for ssh. A stand-in ssh
    // first on PATH (restic starts "ssh" from PATH) records the key file it was given and fails,
    // as a refused connection would; the real ssh is proven in the sshd tests below.
    const bin = path.join(dir, 'fake-ssh-bin');
    const seen = path.join(dir, 'ssh-saw');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
      path.join(bin, 'ssh'),
      [
        '#!/bin/sh',
        'previous=',
        'for argument in "$@"; do',
        `  if [ "$previous" = -i ]; then stat -c %a "$argument" > '${seen}.mode'; cat "$argument" > '${seen}.key'; fi`,
        '  previous=$argument',
        'done',
        'exit 255',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const result = client(['snapshots'], {
      PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      RESTIC_REPOSITORY: 'sftp://backup@127.0.0.1:1//srv/restic',
      BACKUP_SFTP_PRIVATE_KEY: 'sentinel-sftp-key-in-a-file',
      BACKUP_SFTP_KNOWN_HOSTS: '[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
    });
    expect(result.status).not.toBe(0);
    // ssh got the key in a file only its owner can read...
    expect(fs.readFileSync(`${seen}.key`, 'utf8')).toBe('sentinel-sftp-key-in-a-file\n');
    expect(fs.readFileSync(`${seen}.mode`, 'utf8').trim()).toBe('600');
    // ...and the client removed that file when restic gave up.
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('backup-client.'))).toEqual([]);
  });
});

const AS_ROOT = process.getuid?.() === 0;
describeWhenAvailable(
  'backup-client.sh with an SFTP repository on a real sshd',
  resticIsRecentEnough(resticVersion()) && fs.existsSync(SSHD) && commandExists('ssh-keygen') && AS_ROOT,
  `${RESTIC_INSTALL}; install openssh-server and run as root (sshd's privilege separation)`,
  () => {
    const server = new SftpServer();
    let repository = '';
    beforeAll(async () => {
      await server.start();
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sftp-repository-'));
      repository = server.repository(path.join(folder, 'restic'));
    }, 30_000);
    afterAll(() => server.stop());
    const sftp = (extra: Record<string, string> = {}) => ({
      RESTIC_REPOSITORY: repository,
      BACKUP_SFTP_PRIVATE_KEY: server.clientKey,
      BACKUP_SFTP_KNOWN_HOSTS: server.knownHosts,
      // As the plan sets it: restic's cache on the state volume.
      RESTIC_CACHE_DIR: path.join(dir, 'cache'),
      ...extra,
    });

    it('reads and checks the repository with the key and host key from its environment, and leaves neither behind', async () => {
      // The repository, made by restic itself through the same server (a first backup would
      // make it, but also needs a database).
      const knownHosts = path.join(server.dir, 'known_hosts');
      fs.writeFileSync(knownHosts, `${server.knownHosts}\n`);
      const made = spawnSync(RESTIC_BIN, ['-o', `sftp.args=-i ${path.join(server.dir, 'client_key')} -o BatchMode=yes -o UserKnownHostsFile=${knownHosts}`, 'init'], {
        env: { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: 'a-password-of-sixteen' },
        encoding: 'utf8',
      });
      expect(made.stderr).toBe('');
      expect(made.status).toBe(0);
      const since = server.log.length;
      const listed = client(['snapshots'], sftp());
      expect(listed.status).toBe(0);
      const checked = client(['check'], sftp());
      expect(checked.status).toBe(0);
      expect(checked.stdout).toContain('no errors were found');
      // The server let the client in with the key from its environment.
      const fingerprint = spawnSync('ssh-keygen', ['-l', '-f', path.join(server.dir, 'client_key.pub')], { encoding: 'utf8' }).stdout.split(' ')[1];
      expect(await server.logSince(since, /Accepted publickey/)).toContain(`ssh2: ED25519 ${fingerprint}`);
      expect(fs.readdirSync(dir).filter((name) => name.startsWith('backup-client.'))).toEqual([]);
    }, 60_000);

    // ssh's own words reach restic's output only sometimes (restic may close the pipe first),
    // so what happened is read from the server's log.
    it('trusts only the host key it was given', async () => {
      const otherHost = `[127.0.0.1]:${server.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl`;
      const since = server.log.length;
      const result = client(['snapshots'], sftp({ BACKUP_SFTP_KNOWN_HOSTS: otherHost }));
      expect(result.status).not.toBe(0);
      expect(result.stdout).toContain('unable to start the sftp session');
      // The client hung up during the key exchange, before offering any key.
      const logged = await server.logSince(since, /Connection closed by 127\.0\.0\.1 port \d+ \[preauth\]/);
      expect(logged).toMatch(/Connection closed by 127\.0\.0\.1 port \d+ \[preauth\]/);
      expect(logged).not.toMatch(/publickey/);
    }, 60_000);

    it('is refused with a key the server does not know', async () => {
      const stranger = path.join(dir, 'stranger');
      spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
      const fingerprint = spawnSync('ssh-keygen', ['-l', '-f', `${stranger}.pub`], { encoding: 'utf8' }).stdout.split(' ')[1];
      const since = server.log.length;
      const result = client(['snapshots'], sftp({ BACKUP_SFTP_PRIVATE_KEY: fs.readFileSync(stranger, 'utf8') }));
      fs.rmSync(stranger);
      fs.rmSync(`${stranger}.pub`);
      expect(result.status).not.toBe(0);
      const refused = new RegExp(`Failed publickey for ${os.userInfo().username} from 127\\.0\\.0\\.1 port \\d+ ssh2: ED25519 ${fingerprint.replace(/[+/]/g, '\\$&')}`);
      const logged = await server.logSince(since, refused);
      expect(logged).toMatch(refused);
      expect(logged).not.toMatch(/Accepted publickey/);
    }, 60_000);
  },
);
