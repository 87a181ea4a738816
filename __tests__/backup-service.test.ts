import { Container } from '@cdktf/provider-docker/lib/container';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { Testing } from 'cdktf';
import { BackupService } from '../constructs/backup-service';
import { BACKUP_CONTENT_DIR, BACKUP_REPOSITORY_DIR, BACKUP_STATE_DIR } from '../core/backups';
import { MYSQL_ENDPOINT } from '../core/services';
import { BlogHostSettings } from '../core/settings-schema';
import { constructFixture } from '../test-support/construct-fixtures';
import { resourceNamed, synthBlogHost } from '../test-support/synth';

/** A BackupService on its own, with the settings' backup section. */
function backupService(settings: BlogHostSettings, overrides: { secrets?: (secret: string) => Record<string, string>; egress?: boolean } = {}) {
  const fixture = constructFixture(settings);
  const { stack, backend, secret } = fixture;
  const service = new BackupService(stack, 'backup', {
    stackName: 's',
    settings: fixture.settings.backup!,
    contentPath: '/var/lib/ghost',
    database: { endpoint: MYSQL_ENDPOINT, name: 'ghost', user: 'ghost' },
    secrets: { repositoryPassword: secret, databasePassword: secret, ...overrides.secrets?.(secret) },
    stateVolume: new Volume(stack, 'state', { name: 's-backup-state' }),
    backend,
    egress: overrides.egress ? new Network(stack, 'egress', { name: 'egress' }) : undefined,
  });
  return { service, stack };
}

describe('BackupService', () => {
  it('backs up the database over the backend network and the content read-only, into a host folder by default', () => {
    const { json, text } = synthBlogHost();
    expect(text).toHaveResourceWithProperties(Container, { name: 'backup', memory: 256, memory_swap: 512, restart: 'always', healthcheck: expect.objectContaining({ test: ['CMD', '/usr/local/bin/backup-client', 'health'] }) });
    expect(text).toHaveResourceWithProperties(Volume, { name: 'ghost-blog-backup-state' });
    const backup = resourceNamed(json, 'docker_container', 'backup');
    expect(backup.env).toEqual(
      expect.arrayContaining([
        `RESTIC_REPOSITORY=${BACKUP_REPOSITORY_DIR}`,
        'RESTIC_PASSWORD=${var.restic_password}',
        'BACKUP_HOST=ghost-blog',
        'BACKUP_DB_HOST=mysql',
        'BACKUP_DB_PORT=3306',
        'BACKUP_DB_NAME=ghost',
        'BACKUP_DB_USER=ghost',
        'BACKUP_DB_PASSWORD=${var.mysql_password}',
        `BACKUP_CONTENT_DIR=${BACKUP_CONTENT_DIR}`,
        'BACKUP_INTERVAL=86400',
        'BACKUP_AT=03:00',
        'BACKUP_KEEP_DAILY=7',
        'BACKUP_KEEP_WEEKLY=4',
        'BACKUP_KEEP_MONTHLY=6',
      ]),
    );
    expect(backup.volumes).toEqual([
      { host_path: '/var/lib/ghost', container_path: BACKUP_CONTENT_DIR, read_only: true },
      { host_path: '/var/lib/ghost-backups', container_path: BACKUP_REPOSITORY_DIR, read_only: false },
    ]);
    expect(backup.mounts).toEqual([{ type: 'volume', source: '${docker_volume.backup-state.name}', target: BACKUP_STATE_DIR, read_only: false }]);
    expect(backup.networks_advanced).toEqual([{ name: '${docker_network.backend-network.name}' }]);
    expect(json.variable.restic_password).toMatchObject({ sensitive: true, type: 'string' });
  });

  it('takes the schedule, time and retention from the settings', () => {
    const { text } = synthBlogHost({ backup: { schedule: 'every 12h', at: '01:30', keepDaily: 3, keepWeekly: 2, keepMonthly: 12, memoryMb: 300, containerName: 'restic' } });
    expect(text).toHaveResourceWithProperties(Container, {
      name: 'restic',
      memory: 300,
      memory_swap: 600,
      env: expect.arrayContaining(['BACKUP_INTERVAL=43200', 'BACKUP_AT=01:30', 'BACKUP_KEEP_DAILY=3', 'BACKUP_KEEP_WEEKLY=2', 'BACKUP_KEEP_MONTHLY=12']),
    });
  });

  it('backs up to S3 through a network of its own, with keys from sensitive variables', () => {
    const { json } = synthBlogHost({ backup: { repository: 's3:https://s3.example.net/blog' } });
    const backup = resourceNamed(json, 'docker_container', 'backup');
    expect(backup.env).toEqual(
      expect.arrayContaining(['RESTIC_REPOSITORY=s3:https://s3.example.net/blog', 'AWS_ACCESS_KEY_ID=${var.backup_s3_access_key_id}', 'AWS_SECRET_ACCESS_KEY=${var.backup_s3_secret_access_key}']),
    );
    expect(backup.volumes).toEqual([{ host_path: '/var/lib/ghost', container_path: BACKUP_CONTENT_DIR, read_only: true }]);
    expect(backup.networks_advanced).toEqual([{ name: '${docker_network.backend-network.name}' }, { name: '${docker_network.backup-network.name}' }]);
    expect(resourceNamed(json, 'docker_network', 'ghost-blog-backup').internal).toBeUndefined();
    expect([json.variable.backup_s3_access_key_id.sensitive, json.variable.backup_s3_secret_access_key.sensitive]).toEqual([true, true]);
    expect(json.variable.backup_sftp_private_key).toBeUndefined();
  });

  it("backs up over SFTP with a key from a sensitive variable, trusting only the server's given host key", () => {
    const { json } = synthBlogHost({ backup: { repository: 'sftp:backup@backup.example.net:/srv/restic', sftpKnownHosts: 'backup.example.net ssh-ed25519 AAAA${x}' } });
    const backup = resourceNamed(json, 'docker_container', 'backup');
    // The host key line is text: escaped, so that Terraform reads it as written.
    expect(backup.env).toEqual(
      expect.arrayContaining(['RESTIC_REPOSITORY=sftp:backup@backup.example.net:/srv/restic', 'BACKUP_SFTP_PRIVATE_KEY=${var.backup_sftp_private_key}', 'BACKUP_SFTP_KNOWN_HOSTS=backup.example.net ssh-ed25519 AAAA$${x}']),
    );
    expect(json.variable.backup_sftp_private_key.sensitive).toBe(true);
  });

  it('declares no backup container, volume or variable when backups are off', () => {
    const { json } = synthBlogHost({ backup: false });
    expect(Object.values(json.resource.docker_container).map((c) => c.name)).not.toContain('backup');
    expect(json.variable.restic_password).toBeUndefined();
    expect(json.output.container_names.value.backup).toBeUndefined();
    expect(Object.values(json.resource.docker_volume ?? {}).map((v) => v.name)).not.toContain('ghost-blog-backup-state');
  });

  it('builds its image from the MySQL image it backs up and the pinned restic', () => {
    const { json, stack } = synthBlogHost();
    const image = json.resource.docker_image.backup;
    expect(image.build.build_args).toEqual({ MYSQL_IMAGE: expect.stringMatching(/^mysql:8\.4\.\d+@sha256:[0-9a-f]{64}$/), RESTIC_IMAGE: 'restic/restic:0.19.1' });
    expect(image.name).toBe(stack.backup!.image.imageName);
    expect(stack.backup!.containerName).toBe('backup');
  });

  it('refuses a literal repository password', () => {
    expect(() => backupService({}, { secrets: () => ({ repositoryPassword: 'literal-password' }) })).toThrow(/Invalid setting backup repository password: .*sensitive Terraform variable/);
  });

  it('refuses a literal database password, without showing it', () => {
    expect(() => backupService({}, { secrets: () => ({ databasePassword: 'literal-db-password' }) })).toThrow(
      /^Invalid setting database password: got "\(a literal secret, not shown\)"; secrets may only be given as a sensitive Terraform variable/,
    );
  });

  it('refuses an S3 repository without its keys, naming the variables, or without a way out', () => {
    expect(() => backupService({ backup: { repository: 's3:https://s3.example.net/b' } }, { egress: true })).toThrow(
      'Invalid setting S3 access key ID: got nothing; an S3 backup repository needs it, as the sensitive Terraform variable TF_VAR_backup_s3_access_key_id.',
    );
    expect(() => backupService({ backup: { repository: 's3:https://s3.example.net/b' } }, { egress: true, secrets: (secret) => ({ s3AccessKeyId: secret }) })).toThrow(
      'Invalid setting S3 secret access key: got nothing; an S3 backup repository needs it, as the sensitive Terraform variable TF_VAR_backup_s3_secret_access_key.',
    );
    expect(() => backupService({ backup: { repository: 's3:https://s3.example.net/b' } }, { egress: true, secrets: (secret) => ({ s3AccessKeyId: secret, s3SecretAccessKey: 'literal-s3-secret' }) })).toThrow(
      /^Invalid setting S3 secret access key: got "\(a literal secret, not shown\)"/,
    );
    expect(() => backupService({ backup: { repository: 's3:https://s3.example.net/b' } }, { secrets: (secret) => ({ s3AccessKeyId: secret, s3SecretAccessKey: secret }) })).toThrow(
      /Invalid setting backup\.repository: got "s3:https:\/\/s3\.example\.net\/b"; a repository off the host needs a network with a way out/,
    );
  });

  it('refuses an SFTP repository without its key', () => {
    const settings = { backup: { repository: 'sftp:b@backup.example.net:/r', sftpKnownHosts: 'backup.example.net ssh-ed25519 AAAA' } };
    expect(() => backupService(settings, { egress: true })).toThrow(
      'Invalid setting SFTP private key: got nothing; an SFTP backup repository needs it, as the sensitive Terraform variable TF_VAR_backup_sftp_private_key.',
    );
  });

  it('synthesizes on its own, with the state on the volume it is given', () => {
    const { stack } = backupService({});
    expect(Testing.synth(stack)).toContain('"target": "/var/lib/backup-client"');
  });
});
