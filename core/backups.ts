/**
 * How the backup service (assets/backup/backup-client.sh) sees the blog: Ghost's content
 * read-only at one path, the repository (when it is a host folder) at another, and its
 * settings in its environment. The restore and backup-now commands and the tests use the
 * same names.
 */

/** Where the backup image installs its client (assets/backup/Dockerfile copies it there). */
export const BACKUP_CLIENT = '/usr/local/bin/backup-client';

/** Ghost's content in the backup container: read-only for backups, read-write for a restore. */
export const BACKUP_CONTENT_DIR = '/data/content';

/** A host-folder repository in the backup container. */
export const BACKUP_REPOSITORY_DIR = '/repository';

/**
 * The backup client's own state (the time of the last backup, for the health check) and
 * restic's cache of the repository's index, on a volume of the stack's so that both
 * outlast the container.
 */
export const BACKUP_STATE_DIR = '/var/lib/backup-client';
export const RESTIC_CACHE_DIR = `${BACKUP_STATE_DIR}/cache`;

/** restic's temporary packs (up to its pack size each): on the state volume, not in memory. */
export const BACKUP_TEMP_DIR = `${BACKUP_STATE_DIR}/tmp`;

/** Where the backup client writes files holding secrets for a run: a tmpfs, memory only. */
export const BACKUP_SECRETS_DIR = '/run/backup-client';

/** The script's environment, by meaning (restic reads RESTIC_* and AWS_* itself). */
export const BACKUP_ENV = {
  repository: 'RESTIC_REPOSITORY',
  password: 'RESTIC_PASSWORD',
  s3AccessKeyId: 'AWS_ACCESS_KEY_ID',
  s3SecretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  sftpKey: 'BACKUP_SFTP_PRIVATE_KEY',
  sftpKnownHosts: 'BACKUP_SFTP_KNOWN_HOSTS',
  host: 'BACKUP_HOST',
  dbHost: 'BACKUP_DB_HOST',
  dbPort: 'BACKUP_DB_PORT',
  dbName: 'BACKUP_DB_NAME',
  dbUser: 'BACKUP_DB_USER',
  dbPassword: 'BACKUP_DB_PASSWORD',
  contentDir: 'BACKUP_CONTENT_DIR',
  stateDir: 'BACKUP_STATE_DIR',
  cacheDir: 'RESTIC_CACHE_DIR',
  tempDir: 'TMPDIR',
  secretsDir: 'BACKUP_SECRETS_DIR',
  interval: 'BACKUP_INTERVAL',
  at: 'BACKUP_AT',
  keepDaily: 'BACKUP_KEEP_DAILY',
  keepWeekly: 'BACKUP_KEEP_WEEKLY',
  keepMonthly: 'BACKUP_KEEP_MONTHLY',
} as const;
