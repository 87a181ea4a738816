import { z } from 'zod';
import { ACME_DIRECTORIES } from './certificates';
import { ghostTmpMb } from './confinement';
import { SECRET_ENVIRONMENT_NAMES } from './secret-variables';
import {
  ACME_SCHEMA,
  backupIntervalSeconds,
  BLOG_SETTINGS_SCHEMA,
  BlogHostSettings,
  CONTAINER_DEFAULTS,
  ContainerDefaults,
  DEFAULT_BLOG_DOMAIN,
  ParsedBlogSettings,
  RestartPolicy,
  unwrapSchema,
} from './settings-schema';
import { TlsProfile } from './tls-profiles';
import { checkDomain, describeValue, firstRepeat, pathsOverlap, redactDockerHost, SettingsError } from './validation';

/**
 * From the settings a user wrote to the settings the constructs use: the schema's checks
 * and static defaults, then the defaults that depend on other settings and the checks that
 * span several. Every problem is reported at once, one line each, naming the setting.
 */

/** One container's limits and policies, every default applied. */
export interface ResolvedContainerSettings {
  readonly containerName: string;
  readonly memoryMb: number;
  readonly memorySwapMb: number;
  readonly restart: RestartPolicy;
  readonly logMaxSize: string;
  readonly logMaxFiles: number;
}

/** The stack's own ACME client: who it is, where it asks, what it asks for. */
export interface ResolvedAcmeSettings extends ResolvedContainerSettings {
  readonly email: string;
  /** The directory's URL. */
  readonly directoryUrl: string;
  /** "production", "staging" or "custom", for people. */
  readonly directoryName: 'production' | 'staging' | 'custom';
  /** The external account binding's key identifier; the HMAC key is a sensitive variable. */
  readonly eabKeyId?: string;
  /** Host directory of certbot's /etc/letsencrypt. */
  readonly dataPath: string;
  /** Every name the proxy serves, the blog's first: the certificate's names. */
  readonly hostNames: readonly string[];
}

export interface ResolvedTlsSettings {
  readonly enabled: boolean;
  /**
   * Where certificates come from: "acme", the stack's own client (the default), or "files"
   * the user keeps on the host (certificatePath and keyPath). Undefined with TLS off.
   */
  readonly mode?: 'acme' | 'files';
  /** Mode "files": the certificate chain on the host. */
  readonly certificatePath?: string;
  /** Mode "files": the private key on the host. */
  readonly keyPath?: string;
  /** Mode "acme": the client. */
  readonly acme?: ResolvedAcmeSettings;
  readonly profile: TlsProfile;
  readonly hstsPreload: boolean;
  readonly ocspStapling: boolean;
  /** Mode "files": a host folder the user's own certbot writes challenges into. */
  readonly acmeWebroot?: string;
}

export interface ResolvedMailSettings {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly user: string;
  /** Unset: Ghost's own default sender. */
  readonly from?: string;
}

/** Where backups go: a host folder, or off the host. */
export type BackupRepository =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 's3'; readonly url: string }
  | { readonly kind: 'sftp'; readonly url: string; readonly knownHosts: string };

export interface ResolvedBackupSettings extends ResolvedContainerSettings {
  readonly schedule: string;
  readonly intervalSeconds: number;
  /** UTC time of day the schedule aligns to, HH:MM. */
  readonly at: string;
  readonly keepDaily: number;
  readonly keepWeekly: number;
  readonly keepMonthly: number;
  readonly repository: BackupRepository;
}

export interface ResolvedProxySettings extends ResolvedContainerSettings {
  readonly staticRoot: string;
  readonly cacheValidTime: string;
  readonly clientMaxBodySize: string;
  readonly activityPubUpstream: string;
}

export interface ResolvedGhostSettings extends ResolvedContainerSettings {
  readonly contentPath: string;
  /** Ghost's /tmp (a tmpfs uploads pass through), in MiB: the largest upload and some room. */
  readonly tmpMb: number;
}

export interface ResolvedMysqlSettings extends ResolvedContainerSettings {
  readonly dataPath: string;
  readonly database: string;
  readonly user: string;
}

export interface ResolvedBlogSettings {
  readonly name: string;
  readonly dockerHost: string;
  readonly siteUrl: string;
  /** "https" with TLS on, else "http": the scheme of every public URL. */
  readonly scheme: 'https' | 'http';
  readonly blogDomain: string;
  readonly redirectDomains: readonly string[];
  readonly adminDomain?: string;
  /** Ghost's admin URL when it has a host of its own. */
  readonly adminUrl?: string;
  readonly timeZone: string;
  readonly tls: ResolvedTlsSettings;
  readonly ports: { readonly http: number; readonly https: number };
  readonly proxy: ResolvedProxySettings;
  readonly ghost: ResolvedGhostSettings;
  readonly mysql: ResolvedMysqlSettings;
  /** Unset: Ghost sends no mail. */
  readonly mail?: ResolvedMailSettings;
  /** Unset: no backups. */
  readonly backup?: ResolvedBackupSettings;
  readonly policyWaivers: readonly { readonly rule: ParsedBlogSettings['policyWaivers'][number]['rule']; readonly container: string; readonly reason: string }[];
}

/** Keys that look like a secret get a pointed message, and their values are never shown. */
const SECRET_KEY = /^(pwd|pw|pin)$|pass|secret|token|api[-_]?key|credential|private|hmac|auth|cookie|session|cert(ificate)?key/i;

const SECRET_KEY_MESSAGE = `secrets may only be given as sensitive Terraform variables (${SECRET_ENVIRONMENT_NAMES.join(', ')}), never in the settings file`;

function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : `${text ? '.' : ''}${String(part)}`;
  return text || '(top level)';
}

/** A value, as an error may show it: never one under a key that looks secret. */
function shown(path: readonly PropertyKey[], value: unknown): string {
  if (path.some((part) => typeof part === 'string' && SECRET_KEY.test(part))) return '(not shown)';
  if (path.length === 1 && path[0] === 'dockerHost' && typeof value === 'string') return describeValue(redactDockerHost(value));
  return describeValue(value);
}

/** The object keys a schema allows at a path, for "allowed here: ...". */
function allowedKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = schema;
  for (const part of path) {
    const def = unwrapSchema(node)._zod.def as unknown as { shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType };
    node = typeof part === 'number' ? def.element : def.shape?.[String(part)];
    if (!node) return [];
  }
  const def = unwrapSchema(node)._zod.def as unknown as { shape?: Record<string, unknown> };
  return Object.keys(def.shape ?? {}).filter((key) => key !== '$schema');
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

/** One line per problem the schema found. */
function schemaProblems(issues: readonly z.core.$ZodIssue[], input: unknown, base: readonly PropertyKey[] = []): string[] {
  const valueAt = (path: readonly PropertyKey[]): unknown => {
    let node: unknown = input;
    for (const part of path) {
      if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, part)) return undefined;
      node = (node as Record<PropertyKey, unknown>)[part as string];
    }
    return node;
  };
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) =>
          SECRET_KEY.test(key)
            ? `Invalid setting ${pathText([...path, key])}: ${SECRET_KEY_MESSAGE}.`
            : `Invalid setting ${pathText([...path, key])}: unknown setting; allowed here: ${allowedKeysAt(BLOG_SETTINGS_SCHEMA, path).join(', ')}.`,
        );
      case 'invalid_union': {
        // The object branch of a "false or object" setting says what is wrong inside it.
        const value = valueAt(path);
        const branch = issue.errors.find((errors) => errors.every((e) => e.path.length > 0 || e.code === 'unrecognized_keys' || e.code === 'custom'));
        if (value !== null && typeof value === 'object' && !Array.isArray(value) && branch) return schemaProblems(branch, input, path);
        return [`Invalid setting ${pathText(path)}: got ${shown(path, value)}; expected false or an object.`];
      }
      case 'invalid_type': {
        const value = valueAt(path);
        const expected = value === undefined ? 'a value: this setting is required' : (TYPE_WORDS[issue.expected] ?? issue.expected);
        return [`Invalid setting ${pathText(path)}: got ${shown(path, value)}; expected ${expected}.`];
      }
      default:
        return [`Invalid setting ${pathText(path)}: got ${shown(path, valueAt(path))}; ${issue.message}.`];
    }
  });
}

function resolveContainer<T extends { memoryMb: number; memorySwapMb?: number }>(given: T, defaults: ContainerDefaults): T & { memorySwapMb: number } {
  // Swap is always explicit: Docker would otherwise double the memory limit silently, and
  // provider 3.6.2 shows a perpetual diff when memory_swap is left unset.
  return { ...given, memorySwapMb: given.memorySwapMb ?? given.memoryMb * defaults.swapFactor };
}

/** Applies the defaults and checks every value; throws a SettingsError listing every problem. */
export function resolveBlogSettings(settings: BlogHostSettings = {}, source?: string): ResolvedBlogSettings {
  const parsed = BLOG_SETTINGS_SCHEMA.safeParse(settings, { reportInput: true } as never);
  if (!parsed.success) throw new SettingsError(schemaProblems(parsed.error.issues, settings), source);
  const s = parsed.data;
  const problems: string[] = [];
  const problem = (setting: string, value: unknown, allowed: string) =>
    problems.push(`Invalid setting ${setting}: got ${describeValue(value)}; ${allowed}.`);

  const scheme = s.tls.enabled ? 'https' : 'http';
  const siteUrl = s.siteUrl ?? `${scheme}://${DEFAULT_BLOG_DOMAIN}`;
  const match = /^(https?):\/\/([^/:?#]+)\/?$/.exec(siteUrl);
  let blogDomain = DEFAULT_BLOG_DOMAIN;
  if (!match) {
    problem('siteUrl', siteUrl, 'expected a URL with only a scheme and a host name, such as "https://www.example.com"');
  } else if (match[1] !== scheme) {
    problem('siteUrl', siteUrl, s.tls.enabled
      ? 'TLS is on, so the site URL must start with https:// (or set tls.enabled to false)'
      : 'TLS is off, so the site URL must start with http://');
  } else if (checkDomain(match[2]) !== undefined) {
    problem('siteUrl', match[2], checkDomain(match[2])!);
  } else {
    blogDomain = match[2];
  }

  const repeatedDomain = firstRepeat([blogDomain, ...s.redirectDomains, ...(s.adminDomain !== undefined ? [s.adminDomain] : [])]);
  if (repeatedDomain !== undefined) problem('redirectDomains', repeatedDomain, 'each host name may be used by one site only');

  const tls = resolveTls(s, settings.tls?.acme, blogDomain, problem);

  if (tls.enabled && s.ports.http === s.ports.https) problem('ports', s.ports.https, 'each published port may be used once');

  const proxy = resolveContainer(s.proxy, CONTAINER_DEFAULTS.proxy);
  const ghostContainer = resolveContainer(s.ghost, CONTAINER_DEFAULTS.ghost);
  const ghost = { ...ghostContainer, tmpMb: ghostTmpMb(s.proxy.clientMaxBodySize, ghostContainer.memoryMb) };
  if (ghost.tmpMb > ghost.memoryMb) {
    problem(
      'proxy.clientMaxBodySize',
      s.proxy.clientMaxBodySize,
      `an upload passes through Ghost's /tmp, a tmpfs that counts against ghost.memoryMb (${ghost.memoryMb}): raise ghost.memoryMb to at least ${ghost.tmpMb} or allow smaller uploads`,
    );
  }
  const mysql = resolveContainer(s.mysql, CONTAINER_DEFAULTS.mysql);

  const backup = s.backup === false ? undefined : resolveBackup(s.backup, problem);

  const repeatedName = firstRepeat([
    proxy.containerName,
    ghost.containerName,
    mysql.containerName,
    ...(tls.acme ? [tls.acme.containerName] : []),
    ...(backup ? [backup.containerName] : []),
  ]);
  if (repeatedName !== undefined) problem('containerName', repeatedName, 'each container needs its own name');

  // Host paths that different containers mount: none may be or hold another, or one
  // container would read or write another's files (the database files in the proxy, say).
  const mounted: [string, string][] = [
    ['ghost.contentPath', ghost.contentPath],
    ['mysql.dataPath', mysql.dataPath],
    ...(tls.certificatePath !== undefined && tls.keyPath !== undefined
      ? ([['tls.certificatePath', dirname(tls.certificatePath)], ['tls.keyPath', dirname(tls.keyPath)]] as [string, string][])
      : []),
    ...(tls.acmeWebroot !== undefined ? ([['tls.acmeWebroot', tls.acmeWebroot]] as [string, string][]) : []),
    ...(tls.acme !== undefined ? ([['tls.acme.dataPath', tls.acme.dataPath]] as [string, string][]) : []),
    // A repository inside the content would back itself up; beside the database, it shares its disk's fate less.
    ...(backup?.repository.kind === 'local' ? ([['backup.repository', backup.repository.path]] as [string, string][]) : []),
  ];
  const sameContainer = new Set(['tls.certificatePath tls.keyPath', 'tls.keyPath tls.certificatePath']);
  for (let i = 0; i < mounted.length; i++) {
    for (let j = i + 1; j < mounted.length; j++) {
      const [a, pa] = mounted[i];
      const [b, pb] = mounted[j];
      if (!sameContainer.has(`${a} ${b}`) && pathsOverlap(pa, pb)) {
        problem(b, b.startsWith('tls.c') || b.startsWith('tls.k') ? `${pb}/...` : pb, `host paths of different containers may not overlap; ${a} is ${JSON.stringify(pa)}`);
      }
    }
  }

  if (problems.length > 0) throw new SettingsError(problems, source);

  return {
    name: s.name,
    dockerHost: s.dockerHost,
    siteUrl,
    scheme,
    blogDomain,
    redirectDomains: s.redirectDomains,
    adminDomain: s.adminDomain,
    adminUrl: s.adminDomain !== undefined ? `${scheme}://${s.adminDomain}` : undefined,
    timeZone: s.timeZone,
    tls,
    ports: s.ports,
    proxy,
    ghost,
    mysql,
    mail: s.mail === false ? undefined : s.mail,
    backup,
    policyWaivers: s.policyWaivers,
  };
}

/** Documentation domains (RFC 2606): no CA issues for them, and no one reads their mail. */
function isExampleDomain(host: string): boolean {
  return /(^|\.)example\.(com|net|org)$/.test(host);
}

/** TLS with its mode: the user's files when both paths are given, the stack's own ACME client otherwise. */
function resolveTls(
  s: ParsedBlogSettings,
  givenAcme: unknown,
  blogDomain: string,
  problem: (setting: string, value: unknown, allowed: string) => void,
): ResolvedTlsSettings {
  const { certificatePath, keyPath, acme, acmeWebroot, ...common } = s.tls;
  if (!s.tls.enabled) {
    for (const [setting, value] of [['tls.certificatePath', certificatePath], ['tls.keyPath', keyPath], ['tls.acmeWebroot', acmeWebroot]] as const) {
      if (value !== undefined) problem(setting, value, 'certificates and challenges are only used when tls.enabled is true');
    }
    if (acme !== undefined) problem('tls.acme', givenAcme, 'certificates are only issued when tls.enabled is true');
    return { ...common };
  }
  if ((certificatePath === undefined) !== (keyPath === undefined)) {
    const [given, missing] = certificatePath === undefined ? ['tls.keyPath', 'tls.certificatePath'] : ['tls.certificatePath', 'tls.keyPath'];
    problem(missing, undefined, `${given} is set, so ${missing} is needed too to bring your own certificate (or give neither, and the stack gets certificates itself)`);
  }
  if (certificatePath !== undefined || keyPath !== undefined) {
    if (acme !== undefined) problem('tls.acme', givenAcme, 'certificate paths are given, so the certificate is your own; give either tls.acme or tls.certificatePath and tls.keyPath');
    return { ...common, mode: 'files', certificatePath, keyPath, acmeWebroot };
  }
  if (acmeWebroot !== undefined) {
    problem('tls.acmeWebroot', acmeWebroot, 'the stack answers its own ACME challenges; a webroot is for a certbot of your own, with tls.certificatePath and tls.keyPath');
  }
  const client = acme ?? ACME_DEFAULTS;
  const hostNames = [blogDomain, ...s.redirectDomains, ...(s.adminDomain !== undefined ? [s.adminDomain] : [])];
  let email = client.email;
  if (email === undefined) {
    if (isExampleDomain(blogDomain)) email = `webmaster@${blogDomain.replace(/^www\./, '')}`;
    else problem('tls.acme.email', undefined, `the stack gets certificates for ${blogDomain} over ACME, so it needs the contact address of the account, such as "you@${blogDomain.replace(/^www\./, '')}" (or bring your own certificate with tls.certificatePath and tls.keyPath)`);
  }
  const named = client.directory in ACME_DIRECTORIES;
  return {
    ...common,
    mode: 'acme',
    acme: {
      ...resolveContainer(client, CONTAINER_DEFAULTS.certbot),
      email: email ?? '',
      directoryUrl: named ? ACME_DIRECTORIES[client.directory as keyof typeof ACME_DIRECTORIES] : client.directory,
      directoryName: named ? (client.directory as 'production' | 'staging') : 'custom',
      eabKeyId: client.externalAccountBinding?.keyId,
      dataPath: client.dataPath,
      hostNames,
    },
  };
}

function resolveBackup(
  given: Exclude<ParsedBlogSettings['backup'], false>,
  problem: (setting: string, value: unknown, allowed: string) => void,
): ResolvedBackupSettings {
  const { repository: where, sftpKnownHosts, schedule, ...rest } = given;
  if (given.keepDaily + given.keepWeekly + given.keepMonthly === 0) {
    problem('backup.keepDaily', given.keepDaily, 'expected at least one backup to keep: keepDaily, keepWeekly and keepMonthly are all 0');
  }
  let repository: BackupRepository;
  if (where.startsWith('sftp:')) {
    if (sftpKnownHosts === undefined) problem('backup.sftpKnownHosts', undefined, "an sftp: repository needs the server's host key line, as in known_hosts, so that no other server can pose as it");
    repository = { kind: 'sftp', url: where, knownHosts: sftpKnownHosts ?? '' };
  } else {
    if (sftpKnownHosts !== undefined) problem('backup.sftpKnownHosts', sftpKnownHosts, 'a host key is only used with an sftp: repository');
    repository = where.startsWith('s3:') ? { kind: 's3', url: where } : { kind: 'local', path: where };
  }
  return { ...resolveContainer(rest, CONTAINER_DEFAULTS.backup), schedule, intervalSeconds: backupIntervalSeconds(schedule)!, repository };
}

/** The ACME client's settings when the file gives none: the schema's defaults. */
const ACME_DEFAULTS = ACME_SCHEMA.parse({});

function dirname(file: string): string {
  return file.slice(0, file.lastIndexOf('/')) || '/';
}
