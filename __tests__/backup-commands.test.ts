import { BACKUP_CLIENT } from '../core/backups';
import { resolveBlogSettings } from '../core/settings';
import { backupNow, DockerResult, DockerRunOptions, InspectedContainer, oneOffCreateOptions, restore, RESTORE_CAPABILITIES } from '../tools/backup-commands';

/**
 * What `npm run backup-now` and `npm run restore` ask of Docker, against a scripted docker
 * CLI: the order of stops and starts, what a refusal or a failure leaves running, and that
 * no secret is ever on a command line. The restore drill (backup-service.e2e.test.ts) runs
 * the same commands against a real Ghost, MariaDB and restic.
 */

const SETTINGS = resolveBlogSettings({});
const PASSWORD = 'restic-password-never-on-a-command-line';
// A secret of several lines, as an SSH key is: a sentinel, no key material.
const SSH_KEY = 'sentinel-sftp-key line one\nline two\nline three';

const INSPECTED: InspectedContainer = {
  Config: { Image: 'ghost-blog/backup:0123456789ab', Env: [`RESTIC_PASSWORD=${PASSWORD}`, `BACKUP_SFTP_PRIVATE_KEY=${SSH_KEY}`, 'BACKUP_CONTENT_DIR=/data/content'] },
  HostConfig: {
    Binds: ['/var/lib/ghost:/data/content:ro', '/var/lib/ghost-backups:/repository:rw'],
    Mounts: [{ Type: 'volume', Target: '/var/lib/backup-client' }],
    ReadonlyRootfs: true,
    Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=64m' },
    CapDrop: ['ALL'],
    CapAdd: null,
    SecurityOpt: ['no-new-privileges'],
    Init: true,
    Memory: 268435456,
    MemorySwap: 536870912,
    Ulimits: [{ Name: 'nproc', Soft: 256, Hard: 256 }],
  },
  NetworkSettings: { Networks: { 'ghost-blog-backend': {}, 'ghost-blog-backup': {} } },
};

/** A docker CLI that answers from a script and records every call and the environment it was given. */
function scriptedDocker(answers: { check?: number; restore?: number; health?: string[] } = {}) {
  const calls: { args: string[]; env?: Readonly<Record<string, string>> }[] = [];
  let created: string[] = [];
  const health = [...(answers.health ?? ['healthy'])];
  const runner = async (args: readonly string[], options?: DockerRunOptions): Promise<DockerResult> => {
    calls.push({ args: [...args], env: options?.env });
    const ok = (stdout = ''): DockerResult => ({ status: 0, stdout, stderr: '' });
    if (args[0] === 'inspect' && args.includes('--format')) return ok(`${health.length > 1 ? health.shift() : health[0]}\n`);
    if (args[0] === 'inspect') return ok(JSON.stringify([INSPECTED]));
    if (args[0] === 'create') {
      created = [...args];
      return ok('id\n');
    }
    if (args[0] === 'start' && args[1] === '--attach') {
      const command = created[created.length - 2];
      if (command === 'restore-check') return { status: answers.check ?? 0, stdout: 'backup backup:20261129T030000Z from ...: database snapshot a, content snapshot b\nnow: database ghost holds 0 tables', stderr: '' };
      return { status: answers.restore ?? 0, stdout: 'restored backup:20261129T030000Z (...): 60 tables, 12 files and folders, in 4 s', stderr: answers.restore ? 'backup-client: the backup cannot be read in full; nothing was changed' : '' };
    }
    return ok();
  };
  return { runner, calls, lifecycle: () => calls.filter((c) => c.args[0] === 'stop' || (c.args[0] === 'start' && c.args[1] !== '--attach')).map((c) => c.args.join(' ')) };
}

const quickly = { pause: async () => undefined };

describe('backupNow', () => {
  it('runs one backup in the running backup container', async () => {
    const docker = scriptedDocker();
    expect(await backupNow(SETTINGS, docker.runner)).toBe(0);
    expect(docker.calls.map((c) => c.args)).toEqual([['exec', 'backup', BACKUP_CLIENT, 'backup']]);
  });

  it('says so when backups are off', async () => {
    await expect(backupNow(resolveBlogSettings({ backup: false }), scriptedDocker().runner)).rejects.toThrow('backups are off in the settings (backup: false)');
  });
});

describe('restore', () => {
  it('checks first, and refuses to replace a blog that is not empty without stopping anything', async () => {
    const docker = scriptedDocker({ check: 3 });
    const said: string[] = [];
    expect(await restore(SETTINGS, docker.runner, quickly, (line) => said.push(line))).toBe(3);
    expect(docker.lifecycle()).toEqual([]);
    expect(said.join('\n')).toContain('Refusing to replace the database and content above: nothing was stopped or changed. To replace them, run: npm run restore -- --force');
  });

  it('stops the backup client and Ghost, restores in a one-off copy of the backup container, starts both and waits until Ghost is healthy', async () => {
    const docker = scriptedDocker({ check: 3, health: ['starting', 'starting', 'healthy'] });
    const said: string[] = [];
    expect(await restore(SETTINGS, docker.runner, { ...quickly, force: true, backup: 'backup:20261129T030000Z' }, (line) => said.push(line))).toBe(0);
    expect(docker.lifecycle()).toEqual(['stop backup', 'stop ghost', 'start ghost', 'start backup']);
    const creates = docker.calls.filter((c) => c.args[0] === 'create').map((c) => c.args);
    expect(creates[0].slice(-3)).toEqual(['ghost-blog/backup:0123456789ab', 'restore-check', 'backup:20261129T030000Z']);
    expect(creates[1].slice(-4)).toEqual(['ghost-blog/backup:0123456789ab', 'restore', 'backup:20261129T030000Z', '--force']);
    // Only the restore itself may write another user's files.
    for (const capability of RESTORE_CAPABILITIES) {
      expect(creates[0].join(' ')).not.toContain(`--cap-add ${capability}`);
      expect(creates[1].join(' ')).toContain(`--cap-add ${capability}`);
    }
    // Joined to the second network after creation, as older engines need.
    expect(docker.calls.filter((c) => c.args[0] === 'network').map((c) => c.args)).toEqual([
      ['network', 'connect', 'ghost-blog-backup', 'backup-restore'],
      ['network', 'connect', 'ghost-blog-backup', 'backup-restore'],
    ]);
    expect(said.join('\n')).toMatch(/restored backup:20261129T030000Z[\s\S]*ghost is healthy again\./);
    expect(docker.calls.filter((c) => c.args[0] === 'inspect' && c.args.includes('--format'))).toHaveLength(3);
  });

  it('never puts a secret on a command line: the values travel in the docker CLI environment', async () => {
    const docker = scriptedDocker();
    await restore(SETTINGS, docker.runner, quickly, () => undefined);
    const argv = docker.calls.flatMap((c) => c.args).join('\n');
    expect(argv).not.toContain(PASSWORD);
    expect(argv).not.toContain('line two');
    const create = docker.calls.find((c) => c.args[0] === 'create')!;
    expect(create.args).toEqual(expect.arrayContaining(['--env', 'RESTIC_PASSWORD', '--env', 'BACKUP_SFTP_PRIVATE_KEY']));
    // A key of several lines arrives whole (an --env-file could not carry it).
    expect(create.env).toMatchObject({ RESTIC_PASSWORD: PASSWORD, BACKUP_SFTP_PRIVATE_KEY: SSH_KEY });
  });

  it('leaves Ghost and the backup client stopped after a failed restore, and says how to go on', async () => {
    const docker = scriptedDocker({ restore: 1 });
    const said: string[] = [];
    expect(await restore(SETTINGS, docker.runner, quickly, (line) => said.push(line))).toBe(1);
    expect(docker.lifecycle()).toEqual(['stop backup', 'stop ghost']);
    expect(said.join('\n')).toContain('The restore failed: ghost and backup stay stopped');
    expect(said.join('\n')).toContain('cannot be read in full; nothing was changed');
  });

  it('reports a Ghost that does not turn healthy in time', async () => {
    const docker = scriptedDocker({ health: ['unhealthy'] });
    const said: string[] = [];
    expect(await restore(SETTINGS, docker.runner, { pause: async () => undefined, healthTimeoutSeconds: 0 }, (line) => said.push(line))).toBe(1);
    expect(said.join('\n')).toContain('ghost did not turn healthy within 0 s (it is unhealthy): see docker logs ghost.');
  });

  it('removes the one-off container whatever happens', async () => {
    const docker = scriptedDocker({ restore: 1 });
    await restore(SETTINGS, docker.runner, quickly, () => undefined);
    const lastCreateOrRemove = docker.calls.filter((c) => c.args[0] === 'create' || c.args[0] === 'rm').map((c) => c.args[0]);
    expect(lastCreateOrRemove[lastCreateOrRemove.length - 1]).toBe('rm');
  });
});

describe('oneOffCreateOptions', () => {
  it("copies the backup container's confinement and limits, with the content writable and the state volume left out", () => {
    expect(oneOffCreateOptions(INSPECTED, ['CHOWN'])).toEqual([
      '--volume', '/var/lib/ghost:/data/content:rw',
      '--volume', '/var/lib/ghost-backups:/repository:rw',
      '--tmpfs', '/var/lib/backup-client',
      '--read-only',
      '--tmpfs', '/tmp:rw,noexec,nosuid,size=64m',
      '--cap-drop', 'ALL',
      '--cap-add', 'CHOWN',
      '--security-opt', 'no-new-privileges',
      '--init',
      '--memory', '268435456',
      '--memory-swap', '536870912',
      '--ulimit', 'nproc=256:256',
    ]);
  });
});
