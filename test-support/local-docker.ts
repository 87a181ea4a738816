import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Json } from '../core/terraform-json';
import { DockerResult, DockerRunner, DockerRunOptions } from '../tools/backup-commands';
import { fillVariables, GhostServer, planContainer, planEnvironment } from '../tools/ghost-server';

/**
 * The docker CLI, as far as `npm run backup-now` and `npm run restore` use it, answered
 * with the real parts of the end-to-end suites: no Docker engine can run here. The backup
 * "container" is the real backup client (assets/backup/backup-client.sh) with the plan's
 * environment, its container paths translated to the host folders the plan mounts there,
 * read-only mounts made read-only in a mount namespace of its own; "ghost" is the real
 * Ghost. Every call is recorded, for tests of what the commands asked Docker to do.
 */

export const BACKUP_CLIENT_SCRIPT = path.join(__dirname, '..', 'assets', 'backup', 'backup-client.sh');

export interface LocalDockerOptions {
  /** The synthesized plan: the backup container's environment and mounts come from it. */
  readonly plan: Json;
  /** Test values for the plan's sensitive variables. */
  readonly variables: Record<string, string>;
  readonly ghost: GhostServer;
  readonly ghostContainerName: string;
  readonly backupContainerName: string;
  /** The programs the client calls (RESTIC, MYSQLDUMP, MYSQL), by their variable. */
  readonly programs: Readonly<Record<string, string>>;
}

interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

interface Created {
  readonly environment: Record<string, string>;
  readonly mounts: Mount[];
  readonly tmpfs: string[];
  readonly networks: string[];
  readonly args: string[];
  readonly options: string[];
}

export class LocalDocker {
  /** Every docker command run, in order. */
  public readonly calls: string[][] = [];
  public backupRunning = true;
  /** What commands run with their output passed through printed, for a failing test to show. */
  public passedThrough = '';
  /** Variables that replace the plan's in the backup container (a wrong password, another repository). */
  public overrides: Record<string, string> = {};
  private readonly work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-docker-'));
  /** The host folder behind the backup container's state volume. */
  public readonly stateVolume = path.join(this.work, 'backup-state');
  private readonly created = new Map<string, Created>();
  private readonly container: Json;

  constructor(private readonly options: LocalDockerOptions) {
    this.container = planContainer(options.plan, 'backup');
    fs.mkdirSync(this.stateVolume);
  }

  public readonly runner: DockerRunner = async (args, options) => {
    this.calls.push([...args]);
    const result = await this.answer([...args], options ?? {});
    if (options?.passThrough) this.passedThrough += `${result.stdout}${result.stderr}`;
    return result;
  };

  /** The backup container's environment, as the plan sets it, variables filled in. */
  public get backupEnvironment(): Record<string, string> {
    return { ...fillVariables(planEnvironment(this.options.plan, 'backup'), this.options.variables), ...this.overrides };
  }

  /** The plan's host folders, mounted into the backup container. */
  public get backupMounts(): Mount[] {
    return ((this.container.volumes ?? []) as Json[]).map((v) => ({ source: v.host_path, target: v.container_path, readOnly: v.read_only === true }));
  }

  /**
   * Runs the backup client in the backup container, as `docker exec` would; or, with
   * `stopAfterMs`, as the container's own long-running command, stopped (SIGTERM) after that long.
   */
  public exec(args: readonly string[], options: { readonly environment?: Record<string, string>; readonly stopAfterMs?: number } = {}): Promise<DockerResult> {
    const volumeTargets = ((this.container.mounts ?? []) as Json[]).filter((m) => m.type === 'volume').map((m) => ({ source: this.stateVolume, target: m.target as string, readOnly: false }));
    return this.runClient(this.backupEnvironment, [...this.backupMounts, ...volumeTargets], Object.keys(this.container.tmpfs ?? {}), args, options.stopAfterMs, options.environment);
  }

  public remove(): void {
    fs.rmSync(this.work, { recursive: true, force: true });
  }

  private async answer(args: string[], options: DockerRunOptions): Promise<DockerResult> {
    const ok = (stdout = ''): DockerResult => ({ status: 0, stdout, stderr: '' });
    const [command, ...rest] = args;
    if (command === 'inspect') {
      const format = rest.indexOf('--format');
      const name = rest[rest.length - 1];
      if (format >= 0 && name === this.options.ghostContainerName) {
        if (!this.options.ghost.running) return ok('unhealthy\n');
        return ok((await this.options.ghost.probe('/ghost/api/admin/site/', 5_000)) === 200 ? 'healthy\n' : 'starting\n');
      }
      if (name !== this.options.backupContainerName) return { status: 1, stdout: '[]', stderr: `Error: No such container: ${name}` };
      return ok(JSON.stringify([this.inspectBackup()]));
    }
    if (command === 'rm') {
      this.created.delete(rest[rest.length - 1]);
      return ok();
    }
    if (command === 'create') return this.create(rest, options.env ?? {});
    if (command === 'network' && rest[0] === 'connect') {
      this.created.get(rest[2])?.networks.push(rest[1]);
      return ok();
    }
    if (command === 'start' && rest[0] === '--attach') {
      const created = this.created.get(rest[1]);
      if (!created) return { status: 1, stdout: '', stderr: `Error: No such container: ${rest[1]}` };
      return this.runClient(created.environment, created.mounts, created.tmpfs, created.args);
    }
    if (command === 'stop' || command === 'start') {
      const name = rest[0];
      if (name === this.options.ghostContainerName) {
        if (command === 'stop') await this.options.ghost.stop();
        else await this.options.ghost.start();
        return ok(`${name}\n`);
      }
      if (name === this.options.backupContainerName) {
        this.backupRunning = command === 'start';
        return ok(`${name}\n`);
      }
      return { status: 1, stdout: '', stderr: `Error: No such container: ${name}` };
    }
    if (command === 'exec') {
      if (rest[0] !== this.options.backupContainerName) return { status: 1, stdout: '', stderr: `Error: No such container: ${rest[0]}` };
      if (!this.backupRunning) return { status: 1, stdout: '', stderr: `Error response from daemon: container ${rest[0]} is not running` };
      return this.exec(rest.slice(2));
    }
    throw new Error(`LocalDocker does not know docker ${args.join(' ')}`);
  }

  /** `docker inspect` of the backup container, from the plan. */
  private inspectBackup(): Json {
    const c = this.container;
    return {
      Config: { Image: 'local/backup', Env: Object.entries(this.backupEnvironment).map(([name, value]) => `${name}=${value}`) },
      HostConfig: {
        Binds: this.backupMounts.map((m) => `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`),
        Mounts: ((c.mounts ?? []) as Json[]).map((m) => ({ Type: m.type, Source: m.source, Target: m.target })),
        ReadonlyRootfs: c.read_only === true,
        Tmpfs: c.tmpfs ?? null,
        CapDrop: c.capabilities?.drop ?? null,
        CapAdd: c.capabilities?.add ?? null,
        SecurityOpt: c.security_opts ?? null,
        Init: c.init ?? null,
        Memory: c.memory * 1024 * 1024,
        MemorySwap: c.memory_swap * 1024 * 1024,
      },
      NetworkSettings: { Networks: Object.fromEntries(((c.networks_advanced ?? []) as Json[]).map((n) => [n.name, {}])) },
    };
  }

  private create(args: string[], cliEnvironment: Readonly<Record<string, string>>): DockerResult {
    const withValue = new Set(['--name', '--entrypoint', '--env', '--network', '--volume', '--tmpfs', '--cap-drop', '--cap-add', '--security-opt', '--memory', '--memory-swap', '--ulimit']);
    const found: Record<string, string[]> = {};
    const flags: string[] = [];
    let i = 0;
    for (; i < args.length && args[i].startsWith('--'); i++) {
      if (withValue.has(args[i])) {
        (found[args[i]] ??= []).push(args[i + 1]);
        i++;
      } else flags.push(args[i]);
    }
    const [, ...commandArgs] = args.slice(i);
    const environment = Object.fromEntries(
      (found['--env'] ?? []).map((entry) => {
        const at = entry.indexOf('=');
        if (at >= 0) return [entry.slice(0, at), entry.slice(at + 1)];
        // --env NAME takes the value from the CLI's environment, as docker does.
        if (cliEnvironment[entry] === undefined) throw new Error(`--env ${entry} without a value in the CLI's environment`);
        return [entry, cliEnvironment[entry]];
      }),
    );
    const mounts = (found['--volume'] ?? []).map((volume) => {
      const [source, target, mode] = volume.split(':');
      return { source, target, readOnly: mode === 'ro' };
    });
    const name = found['--name']?.[0] ?? `one-off-${this.created.size}`;
    this.created.set(name, {
      environment,
      mounts,
      tmpfs: (found['--tmpfs'] ?? []).map((t) => t.split(':')[0]),
      networks: [...(found['--network'] ?? [])],
      args: commandArgs,
      options: [...flags, ...Object.entries(found).flatMap(([flag, values]) => values.map((v) => `${flag}=${flag === '--env' ? v.split('=')[0] : v}`))],
    });
    return { status: 0, stdout: `${name}\n`, stderr: '' };
  }

  /** The options a created container was given (values of --env left out), for assertions. */
  public createdOptions(name: string): string[] | undefined {
    return this.created.get(name)?.options;
  }

  /**
   * Runs the client with container paths translated to the host folders mounted there, a
   * fresh folder for each tmpfs, and each read-only mount bound read-only in a mount
   * namespace of the client's own.
   */
  private runClient(environment: Record<string, string>, mounts: Mount[], tmpfs: string[], args: readonly string[], stopAfterMs?: number, hostValues: Record<string, string> = {}): Promise<DockerResult> {
    const run = fs.mkdtempSync(path.join(this.work, 'run-'));
    const translations: [string, string][] = [
      ...mounts.map((m) => [m.target, m.source] as [string, string]),
      ...tmpfs.map((target, index) => [target, fs.mkdtempSync(path.join(run, `tmpfs-${index}-`))] as [string, string]),
    ];
    const translate = (value: string) => {
      for (const [target, source] of translations) {
        if (value === target) return source;
        if (value.startsWith(`${target}/`)) return source + value.slice(target.length);
      }
      return value;
    };
    const env: Record<string, string> = {
      PATH: '/usr/bin:/bin:/usr/sbin:/sbin',
      ...Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, translate(value)])),
      // The test's own values (overrides, the call's environment) are host paths already.
      ...this.overrides,
      ...hostValues,
      ...this.options.programs,
      HOME: run,
    };
    const readOnly = mounts.filter((m) => m.readOnly).map((m) => m.source);
    const script = [
      'set -e',
      ...readOnly.map((_, index) => `mount --bind "\${${index + 1}}" "\${${index + 1}}" && mount -o remount,bind,ro "\${${index + 1}}"`),
      `shift ${readOnly.length}`,
      'exec "$@"',
    ].join('\n');
    return new Promise((resolve) => {
      const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'client', ...readOnly, 'bash', BACKUP_CLIENT_SCRIPT, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // unshare execs sh, which execs bash: the signal reaches the client itself.
      const timer = stopAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), stopAfterMs);
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        fs.rmSync(run, { recursive: true, force: true });
        resolve({ status: code ?? 1, stdout, stderr });
      });
    });
  }
}
