import * as fs from 'fs';
import * as path from 'path';
import { CONTAINER_ACME_WEBROOT, CONTAINER_CERTIFICATE_SOURCE, CONTAINER_LETSENCRYPT_DIR, lineageFiles } from './certificates';
import { DEFAULT_NGINX_TARGET, NginxLayout, NginxTarget, ProxyConfigOptions, ProxySite, TlsCertificateFiles } from './nginx-config';
import { GHOST_ENDPOINT } from './services';
import { ResolvedBlogSettings, ResolvedTlsSettings } from './settings';
import { SettingError } from './validation';

/**
 * From the stack settings to the NGINX renderer's options: the one adapter that the proxy
 * construct (for the image) and the local harness (for the preview and the tests) share,
 * so both run the same configuration.
 */

/** The proxy image's build context: Dockerfile and static web root. */
export const PROXY_ASSET_DIR = path.join(__dirname, '..', 'assets', 'proxy');


/** The port of the loopback health endpoint inside the proxy container. */
export const PROXY_HEALTH_PORT = 8081;

/**
 * The official image's folder for NGINX's temporary files (compiled in), which also holds
 * the page cache: the stack mounts a volume here, so that neither lands in memory nor on the
 * read-only root.
 */
export const PROXY_CACHE_ROOT = '/var/cache/nginx';

/** Paths inside the official nginx image. */
export const CONTAINER_LAYOUT: NginxLayout = {
  staticRoot: '/usr/share/nginx/html',
  cacheDir: `${PROXY_CACHE_ROOT}/ghost`,
  stateDir: '/run/proxy',
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

export interface ProxyConfigInputs {
  readonly settings: ResolvedBlogSettings;
  /** Where things live for this NGINX: the container's layout or a test prefix. */
  readonly layout: NginxLayout;
  /** @default the pinned image's NGINX and OpenSSL */
  readonly target?: NginxTarget;
  /** Where the certificate the watcher installs comes from. @default the container's (see containerCertificateSource) */
  readonly certificateSource?: TlsCertificateFiles;
  /** Where NGINX reads ACME challenges, when the settings serve them. @default the container's mount */
  readonly acmeChallengeRoot?: string;
  /** Ghost's address as NGINX reaches it. @default its alias and port on the frontend network */
  readonly ghost?: { readonly host: string; readonly port: number };
  /** Base URL of the ActivityPub service. @default the settings' `proxy.activityPubUpstream` */
  readonly activityPubUpstream?: string;
}

/**
 * The certificate NGINX serves: the watcher's copy in the state directory, installed from
 * the source when a matching pair is there, a self-signed stand-in until then.
 */
export function servingCertificate(layout: NginxLayout): TlsCertificateFiles {
  return { certificateFile: `${layout.stateDir}/tls/fullchain.pem`, keyFile: `${layout.stateDir}/tls/privkey.pem` };
}

/** Where the proxy container finds the certificate: the user's mounted files, or certbot's lineage. */
function containerCertificateSource(tls: ResolvedTlsSettings): TlsCertificateFiles | undefined {
  if (tls.mode === 'files') return CONTAINER_CERTIFICATE_SOURCE;
  if (tls.mode === 'acme') return lineageFiles(CONTAINER_LETSENCRYPT_DIR);
  return undefined;
}

/** True when plain HTTP answers ACME challenges: the stack's own client, or a webroot of the user's. */
function servesAcmeChallenges(tls: ResolvedTlsSettings): boolean {
  return tls.mode === 'acme' || tls.acmeWebroot !== undefined;
}

/**
 * The proxy's sites from the stack settings: the blog, the redirect hosts (the article's
 * apex) and an optional admin host, all with the one certificate the article shared.
 */
function proxySites(settings: ResolvedBlogSettings, certificate: TlsCertificateFiles): ProxySite[] {
  const withCertificate = settings.tls.enabled ? { certificate } : {};
  return [
    { role: 'blog', hostNames: [settings.blogDomain], ...withCertificate },
    ...(settings.redirectDomains.length > 0 ? [{ role: 'redirect' as const, hostNames: settings.redirectDomains, ...withCertificate }] : []),
    ...(settings.adminDomain !== undefined ? [{ role: 'admin' as const, hostNames: [settings.adminDomain], ...withCertificate }] : []),
  ];
}

/** Every host name the proxy answers for, the blog's first. */
export function proxyHostNames(settings: ResolvedBlogSettings): string[] {
  return [settings.blogDomain, ...settings.redirectDomains, ...(settings.adminDomain !== undefined ? [settings.adminDomain] : [])];
}

/** Everything the renderer needs, for a given NGINX and layout (the container's, or a test's). */
export function proxyConfigOptions(inputs: ProxyConfigInputs): ProxyConfigOptions {
  const { settings } = inputs;
  return {
    acmeChallengeRoot: servesAcmeChallenges(settings.tls) ? (inputs.acmeChallengeRoot ?? CONTAINER_ACME_WEBROOT) : undefined,
    sites: proxySites(settings, servingCertificate(inputs.layout)),
    certificateSource: settings.tls.enabled ? (inputs.certificateSource ?? containerCertificateSource(settings.tls)) : undefined,
    tls: {
      enabled: settings.tls.enabled,
      profile: settings.tls.profile,
      hstsPreload: settings.tls.hstsPreload,
      ocspStapling: settings.tls.ocspStapling,
    },
    ghost: inputs.ghost ?? { host: GHOST_ENDPOINT.alias, port: GHOST_ENDPOINT.port },
    activityPubUpstream: inputs.activityPubUpstream ?? settings.proxy.activityPubUpstream,
    cacheValidTime: settings.proxy.cacheValidTime,
    clientMaxBodySize: settings.proxy.clientMaxBodySize,
    target: inputs.target ?? DEFAULT_NGINX_TARGET,
    layout: inputs.layout,
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
