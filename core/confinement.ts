import { BACKUP_SECRETS_DIR } from './backups';
import { ServiceRole } from './services';
import { nginxSizeBytes, UNLIMITED } from './validation';

/**
 * How tightly each container is shut in: a read-only root filesystem with memory-backed
 * folders (tmpfs) only where its program writes, no capability beyond the few it needs, no
 * way to gain privileges, a bound on processes, and an init where the main process would
 * not reap children or heed `docker stop`. The writable paths and capabilities come from
 * the official images' Dockerfiles and entrypoints (nginx, ghost, mysql, certbot, restic)
 * and from our own scripts; the policies check the plan against the same facts.
 */

/** Linux capabilities a container may be given back after dropping all. */
export type Capability = 'CHOWN' | 'DAC_OVERRIDE' | 'DAC_READ_SEARCH' | 'FOWNER' | 'NET_BIND_SERVICE' | 'SETGID' | 'SETUID';

export interface Confinement {
  /** Folders written in memory, by path, with their size in MiB (tmpfs pages count against the memory limit). */
  readonly tmpfsMb: Readonly<Record<string, number>>;
  /** Each capability given back, with why the program needs it. */
  readonly capabilities: Readonly<Partial<Record<Capability, string>>>;
  /** Run tini as PID 1: it reaps orphans and passes docker stop's signal on. */
  readonly init: boolean;
  /**
   * RLIMIT_NPROC: processes and threads of the container's users. The kernel counts them
   * per user ID across the host and does not apply the limit to root, so it binds the
   * unprivileged users the programs switch to (nginx 101, node 1000, mysql 999); the
   * provider has no pids limit, which would bound the container as a whole.
   */
  readonly maxProcesses: number;
}

/** Mount options of every tmpfs: nothing there runs, is set-user-ID or a device. */
const TMPFS_OPTIONS = 'rw,noexec,nosuid,nodev';

/** What Ghost's /tmp needs besides the upload itself (image processing, other requests). */
const GHOST_TMP_HEADROOM_MB = 32;

/**
 * Ghost's /tmp: uploads pass through it (multer) before they reach the content folder, so
 * it must hold the largest upload the proxy lets through, and it is memory. "unlimited"
 * uploads are bounded by Ghost's memory limit.
 */
export function ghostTmpMb(clientMaxBodySize: string, ghostMemoryMb: number): number {
  if (clientMaxBodySize === UNLIMITED) return ghostMemoryMb;
  const bytes = nginxSizeBytes(clientMaxBodySize) ?? 0n;
  return Number((bytes + 1024n * 1024n - 1n) / (1024n * 1024n)) + GHOST_TMP_HEADROOM_MB;
}

const CHOWN_ENTRYPOINT = "the image's entrypoint, as root, gives the data folder to the program's own user";
const SWITCH_USER = "then it drops to that user (gosu)";

/** Each role's confinement, but for Ghost's /tmp, which confinementOf sizes from the settings. */
const CONFINEMENT: Readonly<Record<ServiceRole, Confinement>> = {
  proxy: {
    // /run: NGINX's pid file and the watcher's state (the serving certificate, the cache
    // generation, the miss limiter's socket). The page cache and NGINX's temporary files are
    // on a volume (PROXY_CACHE_ROOT in proxy-options.ts): on a tmpfs they would count against the proxy's memory.
    tmpfsMb: { '/run': 16, '/tmp': 8 },
    capabilities: {
      CHOWN: "NGINX's master hands the temporary and cache folders it creates to its worker user",
      SETUID: 'the master (root) starts its workers as the unprivileged nginx user',
      SETGID: 'likewise, for the workers\' group',
      NET_BIND_SERVICE: 'it listens on 80 and 443; Docker 20.10 and later let any user bind them, older engines and some rootless setups do not',
    },
    init: true,
    maxProcesses: 64,
  },
  ghost: {
    // Its /tmp (uploads): see ghostTmpMb. Everything else it writes is the content folder.
    tmpfsMb: {},
    capabilities: {
      CHOWN: CHOWN_ENTRYPOINT,
      SETUID: SWITCH_USER,
      SETGID: SWITCH_USER,
      DAC_READ_SEARCH: "the entrypoint's find must enter every folder of the content, whatever its mode (a restored or migrated folder may be private to Ghost's user)",
    },
    init: true,
    maxProcesses: 512,
  },
  mysql: {
    // The socket and pid file; MySQL's temporary tables spill to /tmp.
    tmpfsMb: { '/var/run/mysqld': 1, '/tmp': 64 },
    capabilities: {
      CHOWN: CHOWN_ENTRYPOINT,
      SETUID: SWITCH_USER,
      SETGID: SWITCH_USER,
      DAC_READ_SEARCH: "on a second start the entrypoint's find must enter the schema folders mysqld made private (0750)",
    },
    // mysqld is PID 1 by the image's design: it handles TERM and starts no child processes.
    init: false,
    maxProcesses: 1024,
  },
  acme: {
    // certbot's work folder (locks) and logs, and Python's temporary files. Its account and
    // certificates are on the host folder the proxy reads.
    tmpfsMb: { '/var/lib/letsencrypt': 8, '/var/log/letsencrypt': 16, '/tmp': 16 },
    capabilities: {},
    init: true,
    maxProcesses: 64,
  },
  backup: {
    // The secrets of a run (database credentials, an SSH key) in memory only; restic's
    // temporary packs go to the state volume, on disk.
    tmpfsMb: { [BACKUP_SECRETS_DIR]: 1, '/tmp': 16 },
    capabilities: {
      DAC_READ_SEARCH: "a backup reads every file of Ghost's content, whatever its mode: the files belong to Ghost's user",
    },
    init: true,
    maxProcesses: 128,
  },
};

/** Sizes that follow the settings. */
export interface ConfinementSizing {
  /** Ghost's /tmp in MiB (see ghostTmpMb); required for Ghost. */
  readonly ghostTmpMb?: number;
}

/** A role's confinement, with the sizes that follow the settings. */
export function confinementOf(role: ServiceRole, sizing: ConfinementSizing = {}): Confinement {
  const confinement = CONFINEMENT[role];
  if (role !== 'ghost') return confinement;
  if (sizing.ghostTmpMb === undefined) throw new Error("confinementOf('ghost') needs the size of Ghost's /tmp");
  return { ...confinement, tmpfsMb: { '/tmp': sizing.ghostTmpMb } };
}

/** The capabilities a role may be given back, for the policies. */
export function justifiedCapabilities(role: ServiceRole): readonly Capability[] {
  return Object.keys(CONFINEMENT[role].capabilities) as Capability[];
}

/** The security option every container gets: no program may gain privileges (setuid binaries, file capabilities). */
export const NO_NEW_PRIVILEGES = 'no-new-privileges:true';

/** The tmpfs mounts of a confinement, as the provider writes them: path → mount options. */
export function tmpfsMounts(tmpfsMb: Readonly<Record<string, number>>): Record<string, string> {
  return Object.fromEntries(Object.entries(tmpfsMb).map(([target, mb]) => [target, `${TMPFS_OPTIONS},size=${mb}m`]));
}
