import { ContainerVolumes } from '@cdktf/provider-docker/lib/container';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { Construct } from 'constructs';
import * as path from 'path';
import { BACKUP_CLIENT, BACKUP_CONTENT_DIR, BACKUP_ENV, BACKUP_REPOSITORY_DIR, BACKUP_SECRETS_DIR, BACKUP_STATE_DIR, BACKUP_TEMP_DIR, RESTIC_CACHE_DIR } from '../core/backups';
import { confinementOf } from '../core/confinement';
import { ServiceEndpoint } from '../core/services';
import { SECRET_VARIABLES } from '../core/secret-variables';
import { ResolvedBackupSettings } from '../core/settings';
import { escapeForTerraform } from '../core/terraform-literal';
import { SettingError } from '../core/validation';
import { imageReference, MYSQL_PIN, RESTIC_PIN } from '../core/versions';
import { BuiltImage } from './built-image';
import { requireNeededSecret, requireSecretReference } from './secret-reference';
import { ServiceContainer } from './service-container';

const BACKUP_ASSET_DIR = path.join(__dirname, '..', 'assets', 'backup');

/** Secrets of the backup service: references to sensitive variables, never literals. */
export interface BackupSecrets {
  /** The restic repository's password. */
  readonly repositoryPassword: string;
  /** The database user's password. */
  readonly databasePassword: string;
  /** S3: the access key's ID. @default - none; required for an s3: repository */
  readonly s3AccessKeyId?: string;
  /** S3: the access key's secret. @default - none; required for an s3: repository */
  readonly s3SecretAccessKey?: string;
  /** SFTP: the private key. @default - none; required for an sftp: repository */
  readonly sftpPrivateKey?: string;
}

export interface BackupServiceProps {
  /** The stack's name: the image repository's prefix, the stack label and the name backups are filed under. */
  readonly stackName: string;
  /** Schedule, retention, repository and the container's limits. */
  readonly settings: ResolvedBackupSettings;
  /** Ghost's content on the host, mounted read-only. */
  readonly contentPath: string;
  /** The database: where it answers, its name and user. */
  readonly database: { readonly endpoint: ServiceEndpoint; readonly name: string; readonly user: string };
  /** The repository's password, the database user's password and any off-host keys. */
  readonly secrets: BackupSecrets;
  /** A volume for the time of the last backup and restic's cache, so that both outlast the container. */
  readonly stateVolume: Volume;
  /** The internal network the database is on. */
  readonly backend: Network;
  /**
   * A network with a way out, for a repository off the host.
   * @default - none; required for an s3: or sftp: repository
   */
  readonly egress?: Network;
  /**
   * Folder with the backup image's Dockerfile and script.
   * @default assets/backup of this repository
   */
  readonly assetDir?: string;
}

/**
 * Backups of the blog with restic: the database as one consistent dump taken over the
 * backend network while Ghost keeps writing, and Ghost's content read-only, on a schedule,
 * with retention and periodic integrity checks, into an encrypted repository on a host
 * folder or off the host. `npm run backup-now` and `npm run restore` drive it.
 */
export class BackupService extends Construct {
  public readonly image: BuiltImage;
  public readonly service: ServiceContainer;
  public readonly containerName: string;

  constructor(scope: Construct, id: string, props: BackupServiceProps) {
    super(scope, id);
    const { settings, secrets } = props;
    const { repository } = settings;
    requireSecretReference('backup repository password', secrets.repositoryPassword);
    requireSecretReference('database password', secrets.databasePassword);
    // The stack declares these from the settings; a construct used on its own says what it lacks.
    if (repository.kind === 's3') {
      requireNeededSecret('S3 access key ID', secrets.s3AccessKeyId, 'an S3 backup repository', SECRET_VARIABLES.backupS3AccessKeyId);
      requireNeededSecret('S3 secret access key', secrets.s3SecretAccessKey, 'an S3 backup repository', SECRET_VARIABLES.backupS3SecretAccessKey);
    }
    if (repository.kind === 'sftp') requireNeededSecret('SFTP private key', secrets.sftpPrivateKey, 'an SFTP backup repository', SECRET_VARIABLES.backupSftpPrivateKey);
    if (repository.kind !== 'local' && !props.egress) {
      throw new SettingError('backup.repository', repository.url, 'a repository off the host needs a network with a way out: give the BackupService an egress network');
    }

    this.image = new BuiltImage(this, 'image', {
      repository: `${props.stackName}/backup`,
      sourceDir: props.assetDir ?? BACKUP_ASSET_DIR,
      buildArgs: { MYSQL_IMAGE: imageReference(MYSQL_PIN), RESTIC_IMAGE: imageReference(RESTIC_PIN) },
    });

    // Host paths, as Docker creates them when missing: a first deploy needs no preparation.
    const volumes: ContainerVolumes[] = [{ hostPath: props.contentPath, containerPath: BACKUP_CONTENT_DIR, readOnly: true }];
    if (repository.kind === 'local') volumes.push({ hostPath: repository.path, containerPath: BACKUP_REPOSITORY_DIR, readOnly: false });

    this.service = new ServiceContainer(this, 'service', {
      settings,
      image: this.image.imageId,
      stackName: props.stackName,
      service: 'backup',
      confinement: confinementOf('backup'),
      networks: [{ network: props.backend }, ...(props.egress ? [{ network: props.egress }] : [])],
      env: [
        `${BACKUP_ENV.repository}=${repository.kind === 'local' ? BACKUP_REPOSITORY_DIR : repository.url}`,
        `${BACKUP_ENV.password}=${secrets.repositoryPassword}`,
        ...(repository.kind === 's3' ? [`${BACKUP_ENV.s3AccessKeyId}=${secrets.s3AccessKeyId}`, `${BACKUP_ENV.s3SecretAccessKey}=${secrets.s3SecretAccessKey}`] : []),
        ...(repository.kind === 'sftp' ? [`${BACKUP_ENV.sftpKey}=${secrets.sftpPrivateKey}`, `${BACKUP_ENV.sftpKnownHosts}=${escapeForTerraform(repository.knownHosts)}`] : []),
        `${BACKUP_ENV.host}=${props.stackName}`,
        `${BACKUP_ENV.dbHost}=${props.database.endpoint.alias}`,
        `${BACKUP_ENV.dbPort}=${props.database.endpoint.port}`,
        `${BACKUP_ENV.dbName}=${props.database.name}`,
        `${BACKUP_ENV.dbUser}=${props.database.user}`,
        `${BACKUP_ENV.dbPassword}=${secrets.databasePassword}`,
        `${BACKUP_ENV.contentDir}=${BACKUP_CONTENT_DIR}`,
        `${BACKUP_ENV.stateDir}=${BACKUP_STATE_DIR}`,
        `${BACKUP_ENV.cacheDir}=${RESTIC_CACHE_DIR}`,
        `${BACKUP_ENV.tempDir}=${BACKUP_TEMP_DIR}`,
        `${BACKUP_ENV.secretsDir}=${BACKUP_SECRETS_DIR}`,
        `${BACKUP_ENV.interval}=${settings.intervalSeconds}`,
        `${BACKUP_ENV.at}=${settings.at}`,
        `${BACKUP_ENV.keepDaily}=${settings.keepDaily}`,
        `${BACKUP_ENV.keepWeekly}=${settings.keepWeekly}`,
        `${BACKUP_ENV.keepMonthly}=${settings.keepMonthly}`,
      ],
      volumes,
      mounts: [{ type: 'volume', source: props.stateVolume.name, target: BACKUP_STATE_DIR, readOnly: false }],
      healthcheck: {
        test: ['CMD', BACKUP_CLIENT, 'health'],
        interval: '10m',
        timeout: '10s',
        retries: 1,
        startPeriod: '1m',
      },
    });
    this.containerName = this.service.containerName;
  }
}
