import { spawnSync } from 'child_process';
import * as fs from 'fs';

/**
 * The programs the backup suites run. restic is Debian testing's build of the release the
 * image pins (Debian 12's 0.14 lacks --stdin-from-command and the exit codes the client
 * reads), unpacked by .ci/run into a folder of its own; RESTIC_BIN points elsewhere.
 * mysqldump and mysql are MariaDB's clients, standing in for MySQL 8.4's.
 */
export const RESTIC_BIN = process.env.RESTIC_BIN ?? '/opt/debian-testing-restic/restic';

/** The restic release that runs here, such as "0.19.1"; undefined when there is none. */
export function resticVersion(bin: string = RESTIC_BIN): string | undefined {
  if (!fs.existsSync(bin)) return undefined;
  const result = spawnSync(bin, ['version'], { encoding: 'utf8' });
  return /^restic (\d+\.\d+\.\d+)/.exec(result.stdout ?? '')?.[1];
}

/** True when restic is at least 0.17, the first with --stdin-from-command and exit codes 10-12. */
export function resticIsRecentEnough(version: string | undefined): boolean {
  if (version === undefined) return false;
  const [major, minor] = version.split('.').map(Number);
  return major > 0 || minor >= 17;
}

export const RESTIC_INSTALL = 'restic 0.17 or later: .ci/run unpacks Debian testing\'s restic into /opt/debian-testing-restic (or set RESTIC_BIN)';
