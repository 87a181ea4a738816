import { Network } from '@cdktf/provider-docker/lib/network';
import { Construct } from 'constructs';
import * as fs from 'fs';
import * as path from 'path';
import { ResolvedBlogSettings } from './blog-settings';
import { BuiltImage } from './built-image';
import { NginxLayout, NginxTarget, ProxyConfigOptions, ProxySite, renderNginxConfig, DEFAULT_NGINX_TARGET } from './nginx-config';
import { ServiceContainer } from './service-container';
import { SettingError } from './validation';
import { NGINX_BASE_IMAGE } from './versions';

/** The proxy image's build context: Dockerfile and static web root. */
export const PROXY_ASSET_DIR = path.join(__dirname, '..', 'assets', 'proxy');

/** Where the certificate and key are mounted in the proxy container (read-only). */
export const CONTAINER_TLS_DIR = '/etc/nginx/tls';
export const CONTAINER_CERTIFICATE_FILE = `${CONTAINER_TLS_DIR}/fullchain.pem`;
export const CONTAINER_KEY_FILE = `${CONTAINER_TLS_DIR}/privkey.pem`;

/** Where the ACME challenge folder is mounted in the proxy container (read-only). */
export const CONTAINER_ACME_DIR = '/var/www/acme';

/** Ghost's alias on the frontend network and its port: the proxy's upstream. */
export const GHOST_ALIAS = 'ghost';
export const GHOST_PORT = 2368;

/** The port of the loopback health endpoint inside the proxy container. */
export const PROXY_HEALTH_PORT = 8081;

/** Paths inside the official nginx image. */
export const CONTAINER_LAYOUT: NginxLayout = {
  staticRoot: '/usr/share/nginx/html',
  cacheDir: '/var/cache/nginx/ghost',
  confDir: '/etc/nginx',
  pidFile: '/var/run/nginx.pid',
  errorLog: 'stderr',
  accessLog: '/dev/stdout',
  mimeTypes: '/etc/nginx/mime.types',
  user: 'nginx',
  httpPort: 80,
  httpsPort: 443,
  healthListen: `127.0.0.1:${PROXY_HEALTH_PORT}`,
  // Docker's embedded DNS server on user-defined networks.
  resolver: '127.0.0.11',
};

/**
 * The proxy's sites from the stack settings: the blog, the redirect hosts (the article's
 * apex) and an optional admin host, all with the one certificate the article shared.
 */
export function proxySites(settings: ResolvedBlogSettings, certificate = { certificateFile: CONTAINER_CERTIFICATE_FILE, keyFile: CONTAINER_KEY_FILE }): ProxySite[] {
  const withCertificate = settings.tls.enabled ? { certificate } : {};
  return [
    { role: 'blog', hostNames: [settings.blogDomain], ...withCertificate },
    ...(settings.redirectDomains.length > 0 ? [{ role: 'redirect' as const, hostNames: settings.redirectDomains, ...withCertificate }] : []),
    ...(settings.adminDomain !== undefined ? [{ role: 'admin' as const, hostNames: [settings.adminDomain], ...withCertificate }] : []),
  ];
}

/**
 * Everything the renderer needs, for a given NGINX and layout (the container's, or a test's).
 * `acmeRoot` is where the challenge folder is seen from NGINX: its mount in the container.
 */
export function proxyConfigOptions(
  settings: ResolvedBlogSettings,
  layout: NginxLayout,
  target: NginxTarget = DEFAULT_NGINX_TARGET,
  sites: ProxySite[] = proxySites(settings),
  acmeRoot: string = CONTAINER_ACME_DIR,
): ProxyConfigOptions {
  return {
    acmeChallengeRoot: settings.tls.acmeWebroot !== undefined ? acmeRoot : undefined,
    sites,
    tls: {
      enabled: settings.tls.enabled,
      profile: settings.tls.profile,
      hstsPreload: settings.tls.hstsPreload,
      ocspStapling: settings.tls.ocspStapling,
    },
    ghost: { host: GHOST_ALIAS, port: GHOST_PORT },
    activityPubUpstream: settings.proxy.activityPubUpstream,
    cacheValidTime: settings.proxy.cacheValidTime,
    clientMaxBodySize: settings.proxy.clientMaxBodySize,
    target,
    layout,
  };
}

/** The static root must be a folder inside the proxy assets, since it is copied into the image. */
export function resolveStaticRoot(assetDir: string, staticRoot: string): string {
  const absolute = path.resolve(assetDir, staticRoot);
  const inside = absolute.startsWith(assetDir + path.sep);
  if (!inside || !fs.existsSync(absolute) || !fs.statSync(absolute).isDirectory()) {
    throw new SettingError('proxy.staticRoot', staticRoot, `expected a folder inside ${path.relative(process.cwd(), assetDir) || assetDir}, such as "html"`);
  }
  return path.relative(assetDir, absolute).split(path.sep).join('/');
}

export interface ProxyProps {
  readonly settings: ResolvedBlogSettings;
  /** The network shared with Ghost. */
  readonly frontend: Network;
  /** Labels for the image and container. */
  readonly stackName: string;
  /**
   * Folder with the proxy's Dockerfile and static root.
   * @default assets/proxy of this repository
   */
  readonly assetDir?: string;
}

/**
 * The NGINX reverse proxy: an image built from the pinned official nginx image with the
 * generated configuration and the static files, a container that alone publishes 80 and 443,
 * and the certificate and key mounted read-only from the host.
 */
export class Proxy extends Construct {
  public readonly image: BuiltImage;
  public readonly service: ServiceContainer;
  /** The rendered configuration, by path under /etc/nginx. */
  public readonly renderedConfig: Readonly<Record<string, string>>;
  public readonly containerName: string;

  constructor(scope: Construct, id: string, props: ProxyProps) {
    super(scope, id);
    const { settings } = props;
    const assetDir = props.assetDir ?? PROXY_ASSET_DIR;
    const staticRoot = resolveStaticRoot(assetDir, settings.proxy.staticRoot);
    this.renderedConfig = renderNginxConfig(proxyConfigOptions(settings, CONTAINER_LAYOUT));

    const generated: Record<string, string> = {};
    for (const [file, content] of Object.entries(this.renderedConfig)) generated[`nginx/${file}`] = content;
    this.image = new BuiltImage(this, 'image', {
      repository: `${props.stackName}/proxy`,
      sourceDir: assetDir,
      generatedFiles: generated,
      buildArgs: { NGINX_IMAGE: NGINX_BASE_IMAGE, STATIC_ROOT: staticRoot },
    });

    const ports = [{ internal: 80, external: settings.ports.http, protocol: 'tcp' }];
    if (settings.tls.enabled) ports.push({ internal: 443, external: settings.ports.https, protocol: 'tcp' });

    this.service = new ServiceContainer(this, 'service', {
      settings: settings.proxy,
      image: this.image.imageId,
      stackName: props.stackName,
      service: 'proxy',
      networks: [{ network: props.frontend }],
      ports,
      // The key is read from the host at container start and never enters an image or a plan.
      mounts: settings.tls.enabled
        ? [
            { type: 'bind', source: settings.tls.certificatePath, target: CONTAINER_CERTIFICATE_FILE, readOnly: true },
            { type: 'bind', source: settings.tls.keyPath, target: CONTAINER_KEY_FILE, readOnly: true },
            ...(settings.tls.acmeWebroot !== undefined
              ? [{ type: 'bind', source: settings.tls.acmeWebroot, target: CONTAINER_ACME_DIR, readOnly: true }]
              : []),
          ]
        : undefined,
      healthcheck: {
        test: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${PROXY_HEALTH_PORT}/healthz`],
        interval: '30s',
        timeout: '5s',
        retries: 3,
        startPeriod: '10s',
      },
    });
    this.containerName = this.service.containerName;
  }
}
