import { Network } from '@cdktf/provider-docker/lib/network';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import * as path from 'path';
import { confinementOf } from '../core/confinement';
import { ServiceEndpoint } from '../core/services';
import { ResolvedGhostSettings, ResolvedMailSettings } from '../core/settings';
import { escapeForTerraform } from '../core/terraform-literal';
import { GHOST_PIN, imageReference } from '../core/versions';
import { BuiltImage } from './built-image';
import { requireSecretReference } from './secret-reference';
import { ServiceContainer } from './service-container';

export const BLOG_ASSET_DIR = path.join(__dirname, '..', 'assets', 'blog');

/** Where the official image keeps Ghost's content (images, themes, settings files). */
const GHOST_CONTENT_DIR = '/var/lib/ghost/content';

export interface GhostDatabaseConnection {
  /** MySQL's alias on the backend network and its port. */
  readonly endpoint: ServiceEndpoint;
  /** The database Ghost uses. */
  readonly database: string;
  /** The user Ghost connects as. */
  readonly user: string;
  /** A reference to a sensitive Terraform variable; a literal is refused. */
  readonly password: string;
}

export interface GhostBlogProps {
  /** The stack's name: the image repository's prefix and the stack label. */
  readonly stackName: string;
  /** The Ghost container's limits and content path. */
  readonly container: ResolvedGhostSettings;
  /** Ghost's public URL (`url`). */
  readonly siteUrl: string;
  /**
   * Ghost's admin URL on a host of its own (`admin__url`).
   * @default - the admin is served on the blog's host
   */
  readonly adminUrl?: string;
  /** IANA time zone of the image. */
  readonly timeZone: string;
  /** Ghost's alias on the frontend network and the port it listens on: the proxy's upstream. */
  readonly endpoint: ServiceEndpoint;
  /** Network shared with the proxy. */
  readonly frontend: Network;
  /** Internal network shared with MySQL. */
  readonly backend: Network;
  /** Where and as whom Ghost reaches MySQL. */
  readonly database: GhostDatabaseConnection;
  /**
   * Outgoing mail over SMTP.
   * @default - no mail
   */
  readonly mail?: ResolvedMailSettings;
  /**
   * SMTP password: a reference to a sensitive Terraform variable; a literal is refused.
   * @default - none; required when `mail` is set
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
    requireSecretReference('database password', props.database.password);
    if (props.mail) {
      if (props.smtpPassword === undefined) {
        throw new Error('GhostBlog: mail is set, so smtpPassword (a sensitive variable reference) is required.');
      }
      requireSecretReference('mail password', props.smtpPassword);
    }

    this.image = new BuiltImage(this, 'image', {
      repository: `${props.stackName}/blog`,
      sourceDir: props.assetDir ?? BLOG_ASSET_DIR,
      buildArgs: { GHOST_IMAGE: imageReference(GHOST_PIN), TZ: props.timeZone },
    });

    const { mail, database } = props;
    const env = [
      'NODE_ENV=production',
      `url=${props.siteUrl}`,
      ...(props.adminUrl !== undefined ? [`admin__url=${props.adminUrl}`] : []),
      `server__port=${props.endpoint.port}`,
      // To stdout only, where json-file rotation applies, not also into files in the content folder.
      'logging__transports=["stdout"]',
      'database__client=mysql',
      `database__connection__host=${database.endpoint.alias}`,
      `database__connection__port=${database.endpoint.port}`,
      `database__connection__user=${database.user}`,
      `database__connection__password=${database.password}`,
      `database__connection__database=${database.database}`,
      ...(mail
        ? [
            'mail__transport=SMTP',
            // Free text: escaped so that Terraform reads it literally.
            ...(mail.from !== undefined ? [`mail__from=${escapeForTerraform(mail.from)}`] : []),
            `mail__options__host=${mail.host}`,
            `mail__options__port=${mail.port}`,
            `mail__options__secure=${mail.secure}`,
            `mail__options__auth__user=${escapeForTerraform(mail.user)}`,
            `mail__options__auth__pass=${props.smtpPassword}`,
          ]
        : [
            // Ghost 6 asks a staff member signing in from a new device for a code it mails;
            // with no mail that code never arrives and the owner is locked out.
            'security__staffDeviceVerification=false',
          ]),
    ];

    this.service = new ServiceContainer(this, 'service', {
      settings: props.container,
      image: this.image.imageId,
      stackName: props.stackName,
      service: 'ghost',
      confinement: confinementOf('ghost', { ghostTmpMb: props.container.tmpMb }),
      networks: [{ network: props.frontend, aliases: [props.endpoint.alias] }, { network: props.backend }],
      env,
      // A host path, as the article's `-v /var/lib/ghost:...`; Docker creates it if missing,
      // and neither `cdktf destroy` nor a container replacement removes it.
      volumes: [{ hostPath: props.container.contentPath, containerPath: GHOST_CONTENT_DIR, readOnly: false }],
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
