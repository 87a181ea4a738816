import { spawn } from 'child_process';
import { BACKUP_CLIENT, BACKUP_CONTENT_DIR } from '../core/backups';
import { ResolvedBlogSettings } from '../core/settings';
import { loadSettingsFile, settingsFileToRead } from '../core/settings-file';

/**
 * `npm run backup-now` and `npm run restore`, run against the Docker host the settings
 * name, through the docker CLI (as `cdktf deploy` reaches it through the provider).
 *
 * A restore cannot run inside the backup container: that container only ever reads Ghost's
 * content. So it runs the backup image once more beside it, as a one-off container with the
 * backup container's own image, environment, networks, limits and confinement, plus write
 * access to the content and the few capabilities writing another user's files takes.
 */

/**
 * What a restore needs beyond the backup container's confinement: the restored files belong
 * to Ghost's user, not root, so writing them takes DAC_OVERRIDE, giving them back their
 * owner CHOWN, and setting their modes and times FOWNER.
 */
export const RESTORE_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER'] as const;

export interface DockerResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface DockerRunOptions {
  /** Let the output through to the terminal instead of capturing it. @default false */
  readonly passThrough?: boolean;
  /** Variables added to the docker CLI's own environment (for `--env NAME` without a value). @default none */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs `docker ARGS` and says how it ended. */
export type DockerRunner = (args: readonly string[], options?: DockerRunOptions) => Promise<DockerResult>;

/** The docker CLI, aimed at the settings' Docker host. */
export function dockerFor(settings: ResolvedBlogSettings): DockerRunner {
  return (args, options = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn('docker', [...args], {
        env: { ...process.env, ...options.env, DOCKER_HOST: settings.dockerHost },
        stdio: options.passThrough ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', (error) => reject(new Error(`cannot run the docker CLI: ${error.message}`)));
      child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
    });
}

/** The settings file the stack was synthesized from (BLOG_SETTINGS, else blog.settings.json). */
export function loadSettings(): ResolvedBlogSettings {
  const { file, required } = settingsFileToRead();
  return loadSettingsFile(file, required).resolved;
}

function backupOf(settings: ResolvedBlogSettings) {
  if (!settings.backup) throw new Error('backups are off in the settings (backup: false): there is nothing to back up or restore from.');
  return settings.backup;
}

/** One backup now, by the running backup container: before a risky change. Returns the exit status. */
export async function backupNow(settings: ResolvedBlogSettings, docker: DockerRunner): Promise<number> {
  return (await docker(['exec', backupOf(settings).containerName, BACKUP_CLIENT, 'backup'], { passThrough: true })).status;
}

/** The parts of `docker inspect` a one-off copy of the backup container needs. */
export interface InspectedContainer {
  readonly Config: { readonly Image: string; readonly Env: readonly string[] };
  readonly HostConfig: {
    readonly Binds?: readonly string[] | null;
    readonly Mounts?: readonly { readonly Type: string; readonly Target: string }[] | null;
    readonly ReadonlyRootfs?: boolean;
    readonly Tmpfs?: Readonly<Record<string, string>> | null;
    readonly CapDrop?: readonly string[] | null;
    readonly CapAdd?: readonly string[] | null;
    readonly SecurityOpt?: readonly string[] | null;
    readonly Init?: boolean | null;
    readonly Memory?: number;
    readonly MemorySwap?: number;
    readonly Ulimits?: readonly { readonly Name: string; readonly Soft: number; readonly Hard: number }[] | null;
  };
  readonly NetworkSettings: { readonly Networks: Readonly<Record<string, unknown>> };
}

async function inspect(docker: DockerRunner, container: string): Promise<InspectedContainer> {
  const result = await docker(['inspect', '--type', 'container', container]);
  if (result.status !== 0) throw new Error(`cannot inspect the backup container ${container}: ${result.stderr.trim() || 'is the stack deployed?'}`);
  return (JSON.parse(result.stdout) as InspectedContainer[])[0];
}

/**
 * `docker create` options that give a one-off container the backup container's image,
 * limits and confinement, with Ghost's content writable. Named volumes (its state) are left
 * out: a tmpfs at the same place stands in, so that the one-off never shares the running
 * client's state.
 */
export function oneOffCreateOptions(container: InspectedContainer, extraCapabilities: readonly string[] = []): string[] {
  const host = container.HostConfig;
  const options: string[] = [];
  for (const bind of host.Binds ?? []) {
    const [source, target] = bind.split(':');
    options.push('--volume', target === BACKUP_CONTENT_DIR ? `${source}:${target}:rw` : bind);
  }
  for (const mount of host.Mounts ?? []) if (mount.Type === 'volume') options.push('--tmpfs', mount.Target);
  if (host.ReadonlyRootfs) options.push('--read-only');
  for (const [target, mountOptions] of Object.entries(host.Tmpfs ?? {})) options.push('--tmpfs', mountOptions ? `${target}:${mountOptions}` : target);
  for (const capability of host.CapDrop ?? []) options.push('--cap-drop', capability);
  for (const capability of [...(host.CapAdd ?? []), ...extraCapabilities]) options.push('--cap-add', capability);
  for (const option of host.SecurityOpt ?? []) options.push('--security-opt', option);
  if (host.Init) options.push('--init');
  if (host.Memory) options.push('--memory', String(host.Memory));
  if (host.MemorySwap) options.push('--memory-swap', String(host.MemorySwap));
  for (const limit of host.Ulimits ?? []) options.push('--ulimit', `${limit.Name}=${limit.Soft}:${limit.Hard}`);
  return options;
}

export interface RestoreOptions {
  /** A backup tag (backup:<time>) or a snapshot ID. @default the latest */
  readonly backup?: string;
  /** Replace a database and content that are not empty. @default false */
  readonly force?: boolean;
  /** How long to wait for Ghost to be healthy again. @default 300 s */
  readonly healthTimeoutSeconds?: number;
  /** How to wait between health checks. @default a real 5 s wait */
  readonly pause?: () => Promise<void>;
}

/**
 * Restores the database and content of a backup: checks first what it would replace and
 * refuses (exit 3), before stopping anything, when that is not empty and `force` is not
 * given; then stops Ghost and the backup container (so that no scheduled backup reads a
 * half-restored blog), restores, starts both and waits until Ghost is healthy. After a
 * failed restore both stay stopped. Returns the exit status.
 */
export async function restore(
  settings: ResolvedBlogSettings,
  docker: DockerRunner,
  options: RestoreOptions = {},
  say: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const backup = backupOf(settings);
  const ghost = settings.ghost.containerName;
  const container = await inspect(docker, backup.containerName);
  const oneOffName = `${backup.containerName}-restore`;
  const [firstNetwork, ...otherNetworks] = Object.keys(container.NetworkSettings.Networks);

  // The environment holds secrets, some of several lines (an SSH key): each is handed to the
  // docker CLI in its own environment and named with --env NAME, never put on a command line.
  const environment = Object.fromEntries(container.Config.Env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  /** Runs the backup client once in a copy of the backup container; its output is captured. */
  const oneOff = async (args: readonly string[], extraCapabilities: readonly string[] = []): Promise<DockerResult> => {
    await docker(['rm', '--force', oneOffName]);
    const created = await docker(
      [
        'create', '--name', oneOffName, '--entrypoint', BACKUP_CLIENT,
        ...Object.keys(environment).flatMap((name) => ['--env', name]),
        ...(firstNetwork ? ['--network', firstNetwork] : []),
        ...oneOffCreateOptions(container, extraCapabilities),
        container.Config.Image, ...args,
      ],
      { env: environment },
    );
    if (created.status !== 0) return created;
    try {
      // docker run takes one network on older engines; a created container can join more.
      for (const network of otherNetworks) {
        const connected = await docker(['network', 'connect', network, oneOffName]);
        if (connected.status !== 0) return connected;
      }
      return await docker(['start', '--attach', oneOffName]);
    } finally {
      await docker(['rm', '--force', oneOffName]);
    }
  };

  const wanted = options.backup ?? 'latest';
  const check = await oneOff(['restore-check', wanted]);
  say(`${check.stdout}${check.stderr}`.trim());
  if (check.status === 3 && !options.force) {
    say(`Refusing to replace the database and content above: nothing was stopped or changed. To replace them, run: npm run restore -- ${options.backup ? `--backup ${options.backup} ` : ''}--force`);
    return 3;
  }
  if (check.status !== 0 && check.status !== 3) return check.status;

  for (const name of [backup.containerName, ghost]) {
    say(`Stopping ${name}...`);
    const stopped = await docker(['stop', name]);
    if (stopped.status !== 0) throw new Error(`cannot stop ${name}: ${stopped.stderr.trim()}`);
  }
  const restored = await oneOff(['restore', wanted, ...(options.force ? ['--force'] : [])], RESTORE_CAPABILITIES);
  say(`${restored.stdout}${restored.stderr}`.trim());
  if (restored.status !== 0) {
    say(`The restore failed: ${ghost} and ${backup.containerName} stay stopped, so that Ghost does not start on a partial database and no backup records it. Fix the cause and restore again; docker start ${ghost} ${backup.containerName} starts them as they are.`);
    return restored.status;
  }
  for (const name of [ghost, backup.containerName]) {
    say(`Starting ${name}...`);
    const started = await docker(['start', name]);
    if (started.status !== 0) throw new Error(`cannot start ${name}: ${started.stderr.trim()}`);
  }
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 5_000)));
  const deadline = Date.now() + (options.healthTimeoutSeconds ?? 300) * 1000;
  for (;;) {
    const health = (await docker(['inspect', '--type', 'container', '--format', '{{.State.Health.Status}}', ghost])).stdout.trim();
    if (health === 'healthy') {
      say(`${ghost} is healthy again.`);
      return 0;
    }
    if (Date.now() >= deadline) {
      say(`${ghost} did not turn healthy within ${options.healthTimeoutSeconds ?? 300} s (it is ${health || 'unknown'}): see docker logs ${ghost}.`);
      return 1;
    }
    await pause();
  }
}
