// npm run restore [-- --backup backup:<time>|SNAPSHOT_ID] [--force]
//
// Restores the blog from a backup (the latest by default) on the Docker host the settings
// name: stops Ghost, restores the database and the content, starts Ghost, waits until it is
// healthy and says what it restored. Refuses to replace a database or content that is not
// empty unless --force is given, before it stops anything. List the backups with
// docker exec <backup container> backup-client snapshots.
import { parseArgs } from 'util';
import { dockerFor, loadSettings, restore } from './backup-commands';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { backup: { type: 'string' }, force: { type: 'boolean', default: false } }, strict: true });
  const settings = loadSettings();
  return restore(settings, dockerFor(settings), { backup: values.backup, force: values.force });
}

main().then(
  (status) => process.exit(status),
  (error: Error) => {
    process.stderr.write(`restore: ${error.message}\n`);
    process.exit(1);
  },
);
