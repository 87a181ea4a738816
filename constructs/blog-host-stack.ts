import { Network } from '@cdktf/provider-docker/lib/network';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { LocalBackend, TerraformLocal, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { proxyConfigOptions, CONTAINER_LAYOUT } from '../core/proxy-options';
import { SECRET_VARIABLES } from '../core/secret-variables';
import { DISPOSABLE_LABEL, GHOST_ENDPOINT, MYSQL_ENDPOINT, STACK_LABEL } from '../core/services';
import { ResolvedBlogSettings, resolveBlogSettings } from '../core/settings';
import { BlogHostSettings } from '../core/settings-schema';
import { escapeForTerraform } from '../core/terraform-literal';
import { AcmeClient } from './acme-client';
import { BackupService } from './backup-service';
import { GhostBlog } from './ghost-blog';
import { MysqlDatabase } from './mysql-database';
import { NginxProxy } from './nginx-proxy';
import { PolicyValidation } from './policy-validation';


/** Folders the images are built from; the repository's assets/ by default. */
export interface AssetDirs {
  /**
   * The proxy's Dockerfile and static root.
   * @default assets/proxy
   */
  readonly proxy?: string;
  /**
   * The blog image's Dockerfile and health check.
   * @default assets/blog
   */
  readonly blog?: string;
  /**
   * The ACME client's Dockerfile and script.
   * @default assets/acme
   */
  readonly acme?: string;
  /**
   * The backup image's Dockerfile and script.
   * @default assets/backup
   */
  readonly backup?: string;
}

/** The settings file's settings, plus where the images' build contexts are. */
export interface BlogHostStackProps extends BlogHostSettings {
  /**
   * Build contexts of the images, for forks that keep their own assets elsewhere.
   * @default the repository's assets/proxy, assets/blog, assets/acme and assets/backup
   */
  readonly assetDirs?: AssetDirs;
}

/**
 * One Docker host running the article's blog: NGINX in front, Ghost 6 behind it and MySQL 8
 * behind Ghost, joined by user-defined networks instead of the removed container links.
 */
export class BlogHostStack extends TerraformStack {
  /** The settings with every default applied. */
  public readonly settings: ResolvedBlogSettings;
  public readonly frontend: Network;
  public readonly backend: Network;
  public readonly proxy: NginxProxy;
  public readonly ghost: GhostBlog;
  public readonly mysql: MysqlDatabase;
  /** The ACME client, in TLS mode "acme" (the default). */
  public readonly acme?: AcmeClient;
  /** The backup service, unless backups are off. */
  public readonly backup?: BackupService;
  /** The blog's public URL. */
  public readonly siteUrl: string;

  constructor(scope: Construct, id: string, props: BlogHostStackProps = {}) {
    // Settings are checked whole before anything is built, so every error names a setting.
    const { assetDirs, ...given } = props;
    const s = resolveBlogSettings(given);
    super(scope, id);
    this.settings = s;
    this.siteUrl = s.siteUrl;

    new DockerProvider(this, 'docker', { host: s.dockerHost });
    // The state stays where cdktf's default puts it (terraform.<stack>.tfstate at the project's
    // root), named relative to the stack's folder in cdktf.out/stacks/<stack>/ where Terraform
    // runs: the default writes the deploying machine's absolute path into the plan, so two
    // checkouts of one commit would synthesize different plans.
    new LocalBackend(this, { path: `../../../terraform.${s.name}.tfstate` });

    const labels = [{ label: STACK_LABEL, value: s.name }];
    // Volumes the blog can lose: they hold nothing a backup would need.
    const disposable = (holds: string) => [...labels, { label: DISPOSABLE_LABEL, value: holds }];
    // The proxy and Ghost share the frontend; only Ghost and MySQL share the backend, which
    // is internal: no route out, and the proxy cannot reach the database.
    this.frontend = new Network(this, 'frontend-network', { name: `${s.name}-frontend`, driver: 'bridge', labels });
    this.backend = new Network(this, 'backend-network', { name: `${s.name}-backend`, driver: 'bridge', internal: true, labels });

    // Passwords the stack sets itself must be long; the SMTP one is whatever the provider issued.
    const secret = (name: string, description: string, minLength?: number) =>
      new TerraformVariable(this, name, {
        type: 'string',
        sensitive: true,
        nullable: false,
        description: `${description} Set it as TF_VAR_${name}; it never appears in the synthesized plan.`,
        validation: minLength
          ? [{ condition: `length(var.${name}) >= ${minLength}`, errorMessage: `${name} must be at least ${minLength} characters long.` }]
          : undefined,
      });
    const rootPassword = secret(SECRET_VARIABLES.mysqlRootPassword, 'MySQL root password.', 16);
    const userPassword = secret(SECRET_VARIABLES.mysqlPassword, "Password of Ghost's MySQL user.", 16);
    const smtpPassword = s.mail ? secret(SECRET_VARIABLES.smtpPassword, 'Password of the SMTP account Ghost sends mail with.') : undefined;

    this.mysql = new MysqlDatabase(this, 'mysql', {
      stackName: s.name,
      container: s.mysql,
      endpoint: MYSQL_ENDPOINT,
      backend: this.backend,
      rootPassword: rootPassword.stringValue,
      userPassword: userPassword.stringValue,
    });

    // Ghost's alias and port, handed to Ghost (where it listens) and to the proxy (where it sends).
    this.ghost = new GhostBlog(this, 'ghost', {
      stackName: s.name,
      container: s.ghost,
      siteUrl: s.siteUrl,
      adminUrl: s.adminUrl,
      timeZone: s.timeZone,
      endpoint: GHOST_ENDPOINT,
      frontend: this.frontend,
      backend: this.backend,
      database: { endpoint: this.mysql.endpoint, database: this.mysql.database, user: this.mysql.user, password: userPassword.stringValue },
      mail: s.mail,
      smtpPassword: smtpPassword?.stringValue,
      dependsOn: [this.mysql.service.container],
      assetDir: assetDirs?.blog,
    });

    // In mode "acme", the client writes challenges into this volume and the proxy serves them.
    const challengeVolume = s.tls.acme ? new Volume(this, 'acme-challenges', { name: `${s.name}-acme-challenges`, labels: disposable('pending ACME challenges') }) : undefined;
    this.proxy = new NginxProxy(this, 'proxy', {
      stackName: s.name,
      container: s.proxy,
      tls: s.tls,
      challengeVolume,
      cacheVolume: new Volume(this, 'proxy-cache', { name: `${s.name}-proxy-cache`, labels: disposable("the proxy's page cache and temporary files") }),
      ports: s.ports,
      configuration: proxyConfigOptions({
        settings: s,
        layout: CONTAINER_LAYOUT,
        ghost: { host: GHOST_ENDPOINT.alias, port: GHOST_ENDPOINT.port },
      }),
      frontend: this.frontend,
      assetDir: assetDirs?.proxy,
    });

    if (s.tls.acme && challengeVolume) {
      const eabHmacKey = s.tls.acme.eabKeyId !== undefined
        ? secret(SECRET_VARIABLES.acmeEabHmacKey, "HMAC key of the ACME external account binding your CA issued.").stringValue
        : undefined;
      this.acme = new AcmeClient(this, 'acme', {
        stackName: s.name,
        settings: s.tls.acme,
        challengeVolume,
        // Only the way out to the CA: the client talks to no other container.
        network: new Network(this, 'acme-network', { name: `${s.name}-acme`, driver: 'bridge', labels }),
        eabHmacKey,
        // The proxy answers the challenges, so it runs first.
        dependsOn: [this.proxy.service.container],
        assetDir: assetDirs?.acme,
      });
    }

    if (s.backup) {
      const remote = s.backup.repository.kind !== 'local';
      this.backup = new BackupService(this, 'backup', {
        stackName: s.name,
        settings: s.backup,
        contentPath: s.ghost.contentPath,
        database: { endpoint: this.mysql.endpoint, name: this.mysql.database, user: this.mysql.user },
        secrets: {
          repositoryPassword: secret(SECRET_VARIABLES.resticPassword, 'Password of the restic repository the backups go to: without it no backup can be read.', 16).stringValue,
          databasePassword: userPassword.stringValue,
          ...(s.backup.repository.kind === 's3'
            ? {
                s3AccessKeyId: secret(SECRET_VARIABLES.backupS3AccessKeyId, 'Access key ID for the S3 backup repository.').stringValue,
                s3SecretAccessKey: secret(SECRET_VARIABLES.backupS3SecretAccessKey, 'Secret access key for the S3 backup repository.').stringValue,
              }
            : {}),
          ...(s.backup.repository.kind === 'sftp'
            ? { sftpPrivateKey: secret(SECRET_VARIABLES.backupSftpPrivateKey, 'SSH private key (without a passphrase) for the SFTP backup repository.').stringValue }
            : {}),
        },
        stateVolume: new Volume(this, 'backup-state', { name: `${s.name}-backup-state`, labels: disposable("the backup client's last-backup time and restic's cache") }),
        backend: this.backend,
        // The backend has no route out; a repository off the host needs one.
        egress: remote ? new Network(this, 'backup-network', { name: `${s.name}-backup`, driver: 'bridge', labels }) : undefined,
        assetDir: assetDirs?.backup,
      });
    }

    // Short, fixed Terraform addresses (docker_container.proxy, docker_image.ghost, ...) for the
    // people reading plans. They are part of the deployed state: renaming one replaces it.
    for (const [service, image, container] of [
      ['proxy', this.proxy.image.image, this.proxy.service.container],
      ['ghost', this.ghost.image.image, this.ghost.service.container],
      ['mysql', this.mysql.image, this.mysql.service.container],
      ...(this.acme ? ([['acme', this.acme.image.image, this.acme.service.container]] as const) : []),
      ...(this.backup ? ([['backup', this.backup.image.image, this.backup.service.container]] as const) : []),
    ] as const) {
      image.overrideLogicalId(service);
      container.overrideLogicalId(service);
    }

    new TerraformOutput(this, 'site_url', { value: s.siteUrl, description: 'The blog.' });
    new TerraformOutput(this, 'redirect_urls', {
      value: s.redirectDomains.map((domain) => `${s.scheme}://${domain}`),
      description: 'Hosts that serve static files and redirect the rest to the blog.',
    });
    new TerraformOutput(this, 'admin_url', {
      value: `${s.adminUrl ?? s.siteUrl}/ghost/`,
      description: "Ghost's admin.",
    });
    new TerraformOutput(this, 'container_names', {
      value: {
        proxy: this.proxy.containerName,
        ghost: this.ghost.containerName,
        mysql: this.mysql.containerName,
        ...(this.acme ? { acme: this.acme.containerName } : {}),
        ...(this.backup ? { backup: this.backup.containerName } : {}),
      },
      description: 'Container names on the Docker host, for docker logs and docker exec.',
    });

    // Policies run on every synth, over the whole stack (escape hatches included). Waivers go
    // into the plan itself, where a reviewer sees them next to what they excuse; a reason is
    // free text, escaped so that Terraform reads it literally.
    if (s.policyWaivers.length > 0) {
      new TerraformLocal(this, 'policy_waivers', s.policyWaivers.map((w) => ({ ...w, reason: escapeForTerraform(w.reason) })));
    }
    this.node.addValidation(new PolicyValidation(this, s.policyWaivers));
  }
}
