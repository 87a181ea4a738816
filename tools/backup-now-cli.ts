// npm run backup-now
//
// One backup now, by the running backup container on the Docker host the settings name:
// before a risky change (an upgrade, a new database image, a restore on another host).
import { backupNow, dockerFor, loadSettings } from './backup-commands';

async function main(): Promise<number> {
  const settings = loadSettings();
  return backupNow(settings, dockerFor(settings));
}

main().then(
  (status) => process.exit(status),
  (error: Error) => {
    process.stderr.write(`backup-now: ${error.message}\n`);
    process.exit(1);
  },
);
