import { PolicyWaiver, validateWaivers } from './policies';
import { TLS_PROFILES, TlsProfile } from './tls-profiles';
import {
  RestartPolicy,
  SettingError,
  validateAbsolutePath,
  validateDistinctDomains,
  validateDistinctPorts,
  validateDockerName,
  validateDomain,
  validateDuration,
  validateLogFiles,
  validateLogSize,
  validateMemory,
  validateMemorySwap,
  validateOneOf,
  validatePort,
  validateRestartPolicy,
  validateSize,
} from './validation';

/**
 * The typed settings of one blog host. Every field is optional: the defaults reproduce the
 * article (example.com and www.example.com, `--restart=always`, json-file rotation, Ghost's
 * data in /var/lib/ghost) with its limits raised where Ghost 6 and MySQL 8 need more.
 */
export interface BlogHostSettings {
  /**
   * Names the stack: the cdktf stack id, the label on every resource and the prefix of the
   * network names.
   * @default "ghost-blog"
   */
  readonly name?: string;

  /**
   * Docker daemon to deploy to: the local socket, or `ssh://user@host` from a laptop or CI.
   * @default "unix:///var/run/docker.sock"
   */
  readonly dockerHost?: string;

  /**
   * Public URL of the blog; Ghost's `url`. Its host is the blog's virtual host.
   * @default "https://www.example.com"
   */
  readonly siteUrl?: string;

  /**
   * Other host names that serve the static web root and send everything else to the blog
   * (the article's apex host). An empty list serves the blog host alone.
   * @default ["example.com"]
   */
  readonly redirectDomains?: readonly string[];

  /**
   * A separate host name for Ghost's admin (`admin__url`), proxied wholly to Ghost.
   * @default - admin is served on the blog host at /ghost/
   */
  readonly adminDomain?: string;

  /**
   * IANA time zone of the blog image (the article set America/Toronto).
   * @default "America/Toronto"
   */
  readonly timeZone?: string;

  /** TLS on the proxy. */
  readonly tls?: TlsSettings;

  /** Ports the proxy publishes on the Docker host. */
  readonly ports?: PortSettings;

  /** The NGINX proxy container and its configuration. */
  readonly proxy?: ProxySettings;

  /** The Ghost container. */
  readonly ghost?: GhostSettings;

  /** The MySQL container. */
  readonly mysql?: MysqlSettings;

  /**
   * Ghost's outgoing mail over SMTP (the article's Postfix relay). The password comes from
   * the sensitive variable `smtp_password` (`TF_VAR_smtp_password`), never from here.
   * @default - the article's relay: smtp.example.com:587 with STARTTLS as webmaster@example.com
   */
  readonly mail?: MailSettings | false;

  /**
   * Reviewed exceptions to the synth-time policies, one rule for one container each, with a
   * reason. They are written into the synthesized plan (`locals.policy_waivers`) and shown
   * by `npm run review`. A waiver that waives nothing is an error.
   * @default - none: every policy applies to every container
   */
  readonly policyWaivers?: readonly PolicyWaiver[];
}

export interface TlsSettings {
  /**
   * Serve HTTPS with HSTS and redirect HTTP to it. Turn off only behind another TLS terminator.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Certificate chain on the Docker host, mounted read-only into the proxy.
   * @default "/etc/letsencrypt/live/<blog host>/fullchain.pem"
   */
  readonly certificatePath?: string;
  /**
   * Private key on the Docker host, mounted read-only into the proxy; never copied into an image.
   * @default "/etc/letsencrypt/live/<blog host>/privkey.pem"
   */
  readonly keyPath?: string;
  /**
   * Mozilla guideline profile: "intermediate" (TLS 1.2 and 1.3) or "modern" (TLS 1.3 only).
   * @default "intermediate"
   */
  readonly profile?: TlsProfile;
  /**
   * Add `preload` to HSTS. Only when every subdomain serves HTTPS and you mean to submit the domain.
   * @default false
   */
  readonly hstsPreload?: boolean;
  /**
   * Staple OCSP responses. Let's Encrypt ended OCSP in 2025; turn on only for a CA that still runs it.
   * @default false
   */
  readonly ocspStapling?: boolean;
  /**
   * Host folder that certbot's webroot method writes challenges into (`certbot certonly
   * --webroot -w <folder>`); mounted read-only and served at /.well-known/acme-challenge/
   * over plain HTTP, so certificates renew while the proxy runs.
   * @default - none: plain HTTP only redirects
   */
  readonly acmeWebroot?: string;
}

export interface PortSettings {
  /** @default 80 */
  readonly http?: number;
  /** @default 443 */
  readonly https?: number;
}

/** Limits and policies every container takes. */
export interface ContainerSettings {
  /** Container name on the Docker host. @default per container: "proxy", "ghost", "mysql" */
  readonly containerName?: string;
  /** Memory limit in MiB (`-m`). @default per container: 75, 512, 512 */
  readonly memoryMb?: number;
  /**
   * Memory plus swap in MiB (`--memory-swap`); equal to memory for no swap, -1 for unlimited.
   * @default twice the memory for proxy and Ghost (Docker's own default, made explicit); equal to the memory for MySQL
   */
  readonly memorySwapMb?: number;
  /** Docker restart policy. @default "always" */
  readonly restart?: RestartPolicy;
  /** json-file `max-size` of one log file. @default per container: "10m", "1m", "10m" */
  readonly logMaxSize?: string;
  /** json-file `max-file`: rotated files kept. @default 3 */
  readonly logMaxFiles?: number;
}

export interface ProxySettings extends ContainerSettings {
  /**
   * Static web root, relative to `assets/proxy/`.
   * @default "html"
   */
  readonly staticRoot?: string;
  /**
   * How long an anonymous Ghost page stays fresh in the proxy's cache (NGINX duration).
   * @default "1m"
   */
  readonly cacheValidTime?: string;
  /**
   * Largest upload through the proxy (Ghost's editor uploads images and themes).
   * @default "50m"
   */
  readonly clientMaxBodySize?: string;
  /**
   * ActivityPub service for Ghost 6's social web: Ghost's hosted one or your own.
   * @default "https://ap.ghost.org"
   */
  readonly activityPubUpstream?: string;
}

export interface GhostSettings extends ContainerSettings {
  /**
   * Host directory of Ghost's content (images, themes), mounted at /var/lib/ghost/content.
   * @default "/var/lib/ghost"
   */
  readonly contentPath?: string;
}

export interface MysqlSettings extends ContainerSettings {
  /**
   * Host directory of MySQL's data files, mounted at /var/lib/mysql.
   * @default "/var/lib/ghost-mysql"
   */
  readonly dataPath?: string;
  /** @default "ghost" */
  readonly database?: string;
  /** @default "ghost" */
  readonly user?: string;
}

export interface MailSettings {
  /** @default "smtp.example.com" */
  readonly host?: string;
  /** @default 587 */
  readonly port?: number;
  /** Implicit TLS (port 465); false means STARTTLS. @default false */
  readonly secure?: boolean;
  /** SMTP user name. @default "webmaster@example.com" */
  readonly user?: string;
  /** Sender. @default "\"Webmaster\" <webmaster@example.com>" */
  readonly from?: string;
}

/** Settings with every default applied and every value checked. */
export interface ResolvedContainerSettings {
  readonly containerName: string;
  readonly memoryMb: number;
  readonly memorySwapMb: number;
  readonly restart: RestartPolicy;
  readonly logMaxSize: string;
  readonly logMaxFiles: number;
}

export interface ResolvedBlogSettings {
  readonly name: string;
  readonly dockerHost: string;
  readonly siteUrl: string;
  readonly blogDomain: string;
  readonly redirectDomains: readonly string[];
  readonly adminDomain?: string;
  readonly timeZone: string;
  readonly tls: Required<Omit<TlsSettings, 'acmeWebroot'>> & Pick<TlsSettings, 'acmeWebroot'>;
  readonly ports: Required<PortSettings>;
  readonly proxy: ResolvedContainerSettings & Required<Pick<ProxySettings, 'staticRoot' | 'cacheValidTime' | 'clientMaxBodySize' | 'activityPubUpstream'>>;
  readonly ghost: ResolvedContainerSettings & { readonly contentPath: string };
  readonly mysql: ResolvedContainerSettings & { readonly dataPath: string; readonly database: string; readonly user: string };
  readonly mail?: Required<MailSettings>;
  readonly policyWaivers: readonly PolicyWaiver[];
}

export const DEFAULT_BLOG_DOMAIN = 'www.example.com';
/** The stack's name, and so its cdktf stack id, when the settings give none. */
export const DEFAULT_STACK_NAME = 'ghost-blog';

function resolveContainer(
  setting: string,
  given: ContainerSettings | undefined,
  defaults: { containerName: string; memoryMb: number; swapFactor: number; logMaxSize: string },
): ResolvedContainerSettings {
  const memoryMb = given?.memoryMb ?? defaults.memoryMb;
  // Swap is always explicit: Docker would otherwise double the memory limit silently, and
  // provider 3.6.2 shows a perpetual diff when memory_swap is left unset.
  const memorySwapMb = given?.memorySwapMb ?? memoryMb * defaults.swapFactor;
  const resolved: ResolvedContainerSettings = {
    containerName: given?.containerName ?? defaults.containerName,
    memoryMb,
    memorySwapMb,
    restart: given?.restart ?? 'always',
    logMaxSize: given?.logMaxSize ?? defaults.logMaxSize,
    logMaxFiles: given?.logMaxFiles ?? 3,
  };
  validateDockerName(`${setting}.containerName`, resolved.containerName);
  validateMemory(`${setting}.memoryMb`, resolved.memoryMb);
  validateMemorySwap(`${setting}.memorySwapMb`, resolved.memorySwapMb, resolved.memoryMb);
  validateRestartPolicy(`${setting}.restart`, resolved.restart);
  validateLogSize(`${setting}.logMaxSize`, resolved.logMaxSize);
  validateLogFiles(`${setting}.logMaxFiles`, resolved.logMaxFiles);
  return resolved;
}

/** Applies the defaults and checks every value; throws a SettingError naming the first bad one. */
export function resolveBlogSettings(settings: BlogHostSettings = {}): ResolvedBlogSettings {
  const name = settings.name ?? DEFAULT_STACK_NAME;
  validateDockerName('name', name);

  const dockerHost = settings.dockerHost ?? 'unix:///var/run/docker.sock';
  if (!/^(unix:\/\/\/|ssh:\/\/[^/\s]+|tcp:\/\/[^/\s]+|npipe:\/\/)/.test(dockerHost)) {
    throw new SettingError('dockerHost', dockerHost, 'expected unix:///path/to/docker.sock, ssh://user@host or tcp://host:port');
  }

  const tlsEnabled = settings.tls?.enabled ?? true;
  const siteUrl = settings.siteUrl ?? `${tlsEnabled ? 'https' : 'http'}://${DEFAULT_BLOG_DOMAIN}`;
  const blogDomain = parseSiteUrl(siteUrl, tlsEnabled);
  const tls: ResolvedBlogSettings['tls'] = {
    enabled: tlsEnabled,
    certificatePath: settings.tls?.certificatePath ?? `/etc/letsencrypt/live/${blogDomain}/fullchain.pem`,
    keyPath: settings.tls?.keyPath ?? `/etc/letsencrypt/live/${blogDomain}/privkey.pem`,
    profile: settings.tls?.profile ?? 'intermediate',
    hstsPreload: settings.tls?.hstsPreload ?? false,
    ocspStapling: settings.tls?.ocspStapling ?? false,
    acmeWebroot: settings.tls?.acmeWebroot,
  };
  validateOneOf('tls.profile', tls.profile, TLS_PROFILES);
  validateAbsolutePath('tls.certificatePath', tls.certificatePath);
  validateAbsolutePath('tls.keyPath', tls.keyPath);
  if (tls.acmeWebroot !== undefined) {
    validateAbsolutePath('tls.acmeWebroot', tls.acmeWebroot);
    if (!tls.enabled) throw new SettingError('tls.acmeWebroot', tls.acmeWebroot, 'challenges are only served when tls.enabled is true');
  }

  const redirectDomains = settings.redirectDomains ?? ['example.com'];
  redirectDomains.forEach((domain, i) => validateDomain(`redirectDomains[${i}]`, domain));
  if (settings.adminDomain !== undefined) validateDomain('adminDomain', settings.adminDomain);
  validateDistinctDomains('redirectDomains', [
    blogDomain,
    ...redirectDomains,
    ...(settings.adminDomain !== undefined ? [settings.adminDomain] : []),
  ]);

  const timeZone = settings.timeZone ?? 'America/Toronto';
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) {
    throw new SettingError('timeZone', timeZone, 'expected an IANA time zone name such as "Europe/Paris" or "UTC"');
  }

  const ports = { http: settings.ports?.http ?? 80, https: settings.ports?.https ?? 443 };
  validatePort('ports.http', ports.http);
  validatePort('ports.https', ports.https);
  validateDistinctPorts('ports', tls.enabled ? [ports.http, ports.https] : [ports.http]);

  const proxy = {
    ...resolveContainer('proxy', settings.proxy, { containerName: 'proxy', memoryMb: 75, swapFactor: 2, logMaxSize: '10m' }),
    staticRoot: settings.proxy?.staticRoot ?? 'html',
    cacheValidTime: settings.proxy?.cacheValidTime ?? '1m',
    clientMaxBodySize: settings.proxy?.clientMaxBodySize ?? '50m',
    activityPubUpstream: settings.proxy?.activityPubUpstream ?? 'https://ap.ghost.org',
  };
  validateDuration('proxy.cacheValidTime', proxy.cacheValidTime);
  validateSize('proxy.clientMaxBodySize', proxy.clientMaxBodySize);

  const ghost = {
    ...resolveContainer('ghost', settings.ghost, { containerName: 'ghost', memoryMb: 512, swapFactor: 2, logMaxSize: '1m' }),
    contentPath: settings.ghost?.contentPath ?? '/var/lib/ghost',
  };
  validateAbsolutePath('ghost.contentPath', ghost.contentPath);

  const mysql = {
    ...resolveContainer('mysql', settings.mysql, // A database should not swap: memory_swap equal to memory allows none.
    { containerName: 'mysql', memoryMb: 512, swapFactor: 1, logMaxSize: '10m' }),
    dataPath: settings.mysql?.dataPath ?? '/var/lib/ghost-mysql',
    database: settings.mysql?.database ?? 'ghost',
    user: settings.mysql?.user ?? 'ghost',
  };
  validateAbsolutePath('mysql.dataPath', mysql.dataPath);
  for (const key of ['database', 'user'] as const) {
    if (!/^[A-Za-z0-9_]{1,32}$/.test(mysql[key])) {
      throw new SettingError(`mysql.${key}`, mysql[key], 'expected 1 to 32 letters, digits or underscores');
    }
  }
  validateDistinctNames([proxy.containerName, ghost.containerName, mysql.containerName]);
  validateDistinctPaths([
    ['ghost.contentPath', ghost.contentPath],
    ['mysql.dataPath', mysql.dataPath],
  ]);

  const mail = settings.mail === false ? undefined : resolveMail(settings.mail);
  const policyWaivers = settings.policyWaivers ?? [];
  validateWaivers(policyWaivers);

  return {
    name,
    dockerHost,
    siteUrl,
    blogDomain,
    redirectDomains,
    adminDomain: settings.adminDomain,
    timeZone,
    tls,
    ports,
    proxy,
    ghost,
    mysql,
    mail,
    policyWaivers,
  };
}

function resolveMail(mail: MailSettings | undefined): Required<MailSettings> {
  const resolved = {
    host: mail?.host ?? 'smtp.example.com',
    port: mail?.port ?? 587,
    secure: mail?.secure ?? false,
    user: mail?.user ?? 'webmaster@example.com',
    from: mail?.from ?? '"Webmaster" <webmaster@example.com>',
  };
  validateDomain('mail.host', resolved.host);
  validatePort('mail.port', resolved.port);
  return resolved;
}

/** The blog's host from its URL; a plain-HTTP URL is refused while TLS is on. */
function parseSiteUrl(siteUrl: string, tlsEnabled: boolean): string {
  const match = /^(https?):\/\/([^/:?#]+)\/?$/.exec(siteUrl);
  if (!match) {
    throw new SettingError('siteUrl', siteUrl, 'expected a URL with only a scheme and a host name, such as "https://www.example.com"');
  }
  const [, scheme, host] = match;
  if (tlsEnabled && scheme !== 'https') {
    throw new SettingError('siteUrl', siteUrl, 'TLS is on, so the site URL must start with https:// (or set tls.enabled to false)');
  }
  if (!tlsEnabled && scheme !== 'http') {
    throw new SettingError('siteUrl', siteUrl, 'TLS is off, so the site URL must start with http://');
  }
  validateDomain('siteUrl', host);
  return host;
}

function validateDistinctNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new SettingError('containerName', name, 'each container needs its own name');
    seen.add(name);
  }
}

/** Two containers writing one data directory would corrupt it. */
function validateDistinctPaths(paths: readonly (readonly [string, string])[]): void {
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      const [a, pa] = paths[i];
      const [b, pb] = paths[j];
      if (pa === pb || pa.startsWith(`${pb}/`) || pb.startsWith(`${pa}/`)) {
        throw new SettingError(b, pb, `data directories may not overlap; ${a} is ${JSON.stringify(pa)}`);
      }
    }
  }
}
