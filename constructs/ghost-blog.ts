import { Network } from '@cdktf/provider-docker/lib/network';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import * as path from 'path';
import { ResolvedBlogSettings } from './blog-settings';
import { BuiltImage } from './built-image';
import { GHOST_ALIAS } from './proxy';
import { ServiceContainer } from './service-container';
import { validateSecretReference } from './validation';
import { GHOST_BASE_IMAGE } from './versions';

export const BLOG_ASSET_DIR = path.join(__dirname, '..', 'assets', 'blog');

/** Where the official image keeps Ghost's content (images, themes, settings files). */
export const GHOST_CONTENT_DIR = '/var/lib/ghost/content';

export interface GhostDatabaseConnection {
  /** Host name of MySQL on the backend network. */
  readonly host: string;
  readonly database: string;
  readonly user: string;
  /** A reference to a sensitive Terraform variable; a literal is refused. */
  readonly password: string;
}

export interface GhostBlogProps {
  readonly settings: ResolvedBlogSettings;
  readonly stackName: string;
  /** Network shared with the proxy; Ghost answers there as "ghost". */
  readonly frontend: Network;
  /** Internal network shared with MySQL. */
  readonly backend: Network;
  readonly database: GhostDatabaseConnection;
  /**
   * SMTP password: a reference to a sensitive Terraform variable; a literal is refused.
   * @default - no SMTP authentication password (required when settings.mail is set)
   */
  readonly smtpPassword?: string;
  /**
   * Resources Ghost must wait for (the healthy database).
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Folder with the blog image's Dockerfile and health check.
   * @default assets/blog of this repository
   */
  readonly assetDir?: string;
}

/** Ghost 6 in production mode, configured through its environment. */
export class GhostBlog extends Construct {
  public readonly image: BuiltImage;
  public readonly service: ServiceContainer;
  public readonly containerName: string;

  constructor(scope: Construct, id: string, props: GhostBlogProps) {
    super(scope, id);
    const { settings } = props;
    validateSecretReference('database password', props.database.password);
    if (settings.mail) {
      if (props.smtpPassword === undefined) {
        throw new Error('GhostBlog: settings.mail is set, so smtpPassword (a sensitive variable reference) is required.');
      }
      validateSecretReference('mail password', props.smtpPassword);
    }

    this.image = new BuiltImage(this, 'image', {
      repository: `${props.stackName}/blog`,
      sourceDir: props.assetDir ?? BLOG_ASSET_DIR,
      buildArgs: { GHOST_IMAGE: GHOST_BASE_IMAGE, TZ: settings.timeZone },
    });

    const scheme = settings.tls.enabled ? 'https' : 'http';
    const env = [
      'NODE_ENV=production',
      `url=${settings.siteUrl}`,
      ...(settings.adminDomain !== undefined ? [`admin__url=${scheme}://${settings.adminDomain}`] : []),
      'database__client=mysql',
      `database__connection__host=${props.database.host}`,
      'database__connection__port=3306',
      `database__connection__user=${props.database.user}`,
      `database__connection__password=${props.database.password}`,
      `database__connection__database=${props.database.database}`,
      ...(settings.mail
        ? [
            'mail__transport=SMTP',
            `mail__from=${settings.mail.from}`,
            `mail__options__host=${settings.mail.host}`,
            `mail__options__port=${settings.mail.port}`,
            `mail__options__secure=${settings.mail.secure}`,
            `mail__options__auth__user=${settings.mail.user}`,
            `mail__options__auth__pass=${props.smtpPassword}`,
          ]
        : []),
    ];

    this.service = new ServiceContainer(this, 'service', {
      settings: settings.ghost,
      image: this.image.imageId,
      stackName: props.stackName,
      service: 'ghost',
      networks: [{ network: props.frontend, aliases: [GHOST_ALIAS] }, { network: props.backend }],
      env,
      // A host path, as the article's `-v /var/lib/ghost:...`; Docker creates it if missing,
      // and neither `cdktf destroy` nor a container replacement removes it.
      volumes: [{ hostPath: settings.ghost.contentPath, containerPath: GHOST_CONTENT_DIR, readOnly: false }],
      healthcheck: {
        test: ['CMD', 'node', '/usr/local/lib/ghost-healthcheck.js'],
        interval: '30s',
        timeout: '5s',
        retries: 3,
        // The first boot runs the database migrations.
        startPeriod: '120s',
      },
      dependsOn: props.dependsOn,
    });
    this.containerName = this.service.containerName;
  }
}

