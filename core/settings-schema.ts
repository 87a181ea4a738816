import { z } from 'zod';
import { ACME_DIRECTORIES } from './certificates';
import { POLICY_RULES, PolicyRule } from './policies';
import { holdsTemplateCode } from './terraform-literal';
import { TLS_PROFILES } from './tls-profiles';
import {
  checkBodySize,
  checkCacheTime,
  checkDockerHost,
  checkDockerName,
  checkDataPath,
  checkDomain,
  checkEmail,
  checkFilePath,
  Checker,
  checkLogFiles,
  checkLogSize,
  checkMemory,
  checkMemorySwap,
  checkStackName,
  checkOrigin,
  checkPort,
  checkSqlName,
  checkTimeZone,
} from './validation';

/**
 * The settings of one blog host, declared once. The TypeScript types (`BlogHostSettings`),
 * the validation of a settings file or of props given in code, and the published JSON
 * Schema (blog.settings.schema.json, for editors) all derive from this schema.
 *
 * Every string passes one gate before its own check (see `settingString`): nothing a
 * setting holds may reach Terraform or NGINX as code.
 */

/**
 * What a string setting is, which decides how the gate treats it.
 * - `name`, `host`, `path`, `url`: refused if they hold Terraform template syntax; their
 *   own checks admit no NGINX metacharacter either.
 * - `text`: free text (a mail sender, a waiver's reason). Template syntax is allowed and
 *   escaped where it is written into the plan (`escapeForTerraform`); line breaks and other
 *   control characters are refused (a mail header must stay one line).
 */
export type StringKind = 'name' | 'host' | 'path' | 'url' | 'text';

/** The kind of each string setting, for the gate and for the tests that cover every one. */
const STRING_KIND = Symbol('stringKind');

// cdktf writes its own unresolved values into strings as `${TfToken[TOKEN.n]}` (or with #
// for lists): a setting holding one would be resolved as if the stack had written it.
const CDKTF_TOKEN_MARKER = /[$#]\{TfToken\[/;

/** The gate every string setting passes, then its own check. */
function gate(kind: StringKind, value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'expected no line breaks, tabs or other control characters';
  if (CDKTF_TOKEN_MARKER.test(value)) return 'expected no cdktf token markers (TfToken[...])';
  if (kind !== 'text' && holdsTemplateCode(value)) return 'expected no Terraform template syntax ("${" or "%{")';
  return undefined;
}

/**
 * A string setting of a kind, with its own check after the gate. Its description is given
 * here rather than with `.meta()`, which would copy the schema without its kind.
 */
function settingString(kind: StringKind, own?: Checker<string>, options: { readonly maxLength?: number; readonly description?: string } = {}) {
  const maxLength = options.maxLength ?? 1024;
  const checked = z.string().check((ctx) => {
    const value = ctx.value;
    const problem = value.length > maxLength ? `expected at most ${maxLength} characters` : (gate(kind, value) ?? own?.(value));
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: value });
  });
  const schema = options.description !== undefined ? checked.meta({ description: options.description }) : checked;
  return Object.assign(schema, { [STRING_KIND]: kind });
}

function settingNumber(own: Checker<number>) {
  return z.number().check((ctx) => {
    const problem = own(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });
}

const RESTART_POLICIES = ['no', 'on-failure', 'always', 'unless-stopped'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

/** Defaults of one container's limits; the article's where they still hold. */
export interface ContainerDefaults {
  readonly containerName: string;
  readonly memoryMb: number;
  /** Swap limit as a multiple of memory when none is given. */
  readonly swapFactor: number;
  readonly logMaxSize: string;
}

export const CONTAINER_DEFAULTS = {
  proxy: { containerName: 'proxy', memoryMb: 75, swapFactor: 2, logMaxSize: '10m' },
  ghost: { containerName: 'ghost', memoryMb: 512, swapFactor: 2, logMaxSize: '1m' },
  // A database should not swap: memory_swap equal to memory allows none.
  mysql: { containerName: 'mysql', memoryMb: 512, swapFactor: 1, logMaxSize: '10m' },
  // certbot (Python) peaks near 80 MiB while it issues; it sleeps the rest of the time.
  certbot: { containerName: 'certbot', memoryMb: 128, swapFactor: 2, logMaxSize: '1m' },
  // restic holds its index and a pack or two in memory while it backs up.
  backup: { containerName: 'backup', memoryMb: 256, swapFactor: 2, logMaxSize: '1m' },
} as const satisfies Record<string, ContainerDefaults>;

/** Limits and policies every container takes. */
function containerFields(defaults: ContainerDefaults) {
  return {
    containerName: settingString('name', checkDockerName)
      .default(defaults.containerName)
      .meta({ description: 'Container name on the Docker host.' }),
    memoryMb: settingNumber(checkMemory)
      .default(defaults.memoryMb)
      .meta({ description: 'Memory limit in MiB (docker run -m).' }),
    memorySwapMb: z
      .number()
      .optional()
      .meta({
        description: `Memory plus swap in MiB (--memory-swap): equal to memoryMb for no swap, -1 for unlimited. Default: ${defaults.swapFactor} times memoryMb.`,
      }),
    restart: z
      .enum(RESTART_POLICIES, { error: `expected one of ${RESTART_POLICIES.map((p) => `"${p}"`).join(', ')}` })
      .default('always')
      .meta({ description: 'Docker restart policy.' }),
    logMaxSize: settingString('name', checkLogSize)
      .default(defaults.logMaxSize)
      .meta({ description: 'json-file max-size of one log file.' }),
    logMaxFiles: settingNumber(checkLogFiles).default(3).meta({ description: 'json-file max-file: rotated log files kept.' }),
  };
}

/** Swap is checked against the memory limit it belongs to, once both are known. */
function withSwapCheck<T extends z.ZodObject>(schema: T, defaults: ContainerDefaults) {
  return schema.check((ctx) => {
    const value = ctx.value as { memoryMb?: number; memorySwapMb?: number };
    if (value.memorySwapMb === undefined) return;
    const problem = checkMemorySwap(value.memoryMb ?? defaults.memoryMb)(value.memorySwapMb);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: value.memorySwapMb, path: ['memorySwapMb'] });
  });
}

const checkAcmeDirectory: Checker<string> = (value) =>
  value in ACME_DIRECTORIES || /^https:\/\/[a-z0-9.-]+(:[1-9][0-9]{0,4})?(\/[A-Za-z0-9._~/-]*)?$/.test(value)
    ? undefined
    : 'expected "production", "staging" or the https:// URL of an RFC 8555 (ACME) directory';

/** The stack's ACME client; exported for its defaults when the settings give no tls.acme. */
export const ACME_SCHEMA = withSwapCheck(
  z.strictObject({
    ...containerFields(CONTAINER_DEFAULTS.certbot),
    email: settingString('text', checkEmail)
      .optional()
      .meta({ description: "Contact address for the ACME account (Let's Encrypt writes about problems with your certificates). Required unless the blog's host is an example domain." }),
    directory: settingString('url', checkAcmeDirectory)
      .default('production')
      .meta({ description: 'The ACME directory: "production" (Let\'s Encrypt), "staging" (Let\'s Encrypt\'s test CA, for a first deploy), or any RFC 8555 directory URL.' }),
    externalAccountBinding: z
      .strictObject({
        keyId: settingString('name', (value) => (/^[A-Za-z0-9._~-]{1,256}$/.test(value) ? undefined : 'expected the key identifier your CA issued (letters, digits, . _ ~ -)'), {
          description: 'The key identifier (kid) your CA issued. The HMAC key comes from TF_VAR_acme_eab_hmac_key.',
        }),
      })
      .optional()
      .meta({ description: 'External account binding, for CAs that require one (not Let\'s Encrypt).' }),
    dataPath: settingString('path', checkDataPath)
      .default('/var/lib/ghost-letsencrypt')
      .meta({ description: "Host directory of the ACME account and certificates (certbot's /etc/letsencrypt), mounted read-only into the proxy." }),
  }),
  CONTAINER_DEFAULTS.certbot,
).meta({ description: 'Certificates issued and renewed by the stack itself over ACME (the default when no certificate paths are given).' });

const TLS_SCHEMA = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .meta({ description: 'Serve HTTPS with HSTS and redirect HTTP to it. Turn off only behind another TLS terminator.' }),
    certificatePath: settingString('path', checkFilePath)
      .optional()
      .meta({ description: 'Bring your own certificate: the chain on the Docker host, mounted read-only into the proxy. With keyPath; without both, the stack gets certificates itself (tls.acme).' }),
    keyPath: settingString('path', checkFilePath)
      .optional()
      .meta({ description: 'Bring your own certificate: the private key on the Docker host, mounted read-only into the proxy; never copied into an image. With certificatePath.' }),
    acme: ACME_SCHEMA.optional(),
    profile: z
      .enum(TLS_PROFILES, { error: `expected one of ${TLS_PROFILES.map((p) => `"${p}"`).join(', ')}` })
      .default('intermediate')
      .meta({ description: 'Mozilla guideline 6.0 profile: "intermediate" (TLS 1.2 and 1.3) or "modern" (TLS 1.3 only).' }),
    hstsPreload: z
      .boolean()
      .default(false)
      .meta({ description: 'Add preload to HSTS. Only when every subdomain serves HTTPS and you mean to submit the domain.' }),
    ocspStapling: z
      .boolean()
      .default(false)
      .meta({ description: "Staple OCSP responses. Let's Encrypt ended OCSP in 2025; turn on only for a CA that still runs it." }),
    acmeWebroot: settingString('path', checkDataPath)
      .optional()
      .meta({ description: "With your own certificate: the host folder your certbot's webroot method writes challenges into, mounted read-only and served at /.well-known/acme-challenge/ over plain HTTP." }),
  })
  .meta({ description: 'TLS on the proxy.' });

const PORTS_SCHEMA = z
  .strictObject({
    http: settingNumber(checkPort).default(80).meta({ description: 'Host port of plain HTTP.' }),
    https: settingNumber(checkPort).default(443).meta({ description: 'Host port of HTTPS.' }),
  })
  .meta({ description: 'Ports the proxy publishes on the Docker host.' });

const PROXY_SCHEMA = withSwapCheck(
  z.strictObject({
    ...containerFields(CONTAINER_DEFAULTS.proxy),
    staticRoot: settingString('path', (value) =>
      /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(value) ? undefined : 'expected a folder inside assets/proxy/, such as "html"',
    )
      .default('html')
      .meta({ description: 'Static web root, a folder inside assets/proxy/.' }),
    cacheValidTime: settingString('name', checkCacheTime)
      .default('1m')
      .meta({ description: 'How long an anonymous Ghost page stays fresh in the proxy cache (NGINX time).' }),
    clientMaxBodySize: settingString('name', checkBodySize)
      .default('50m')
      .meta({ description: 'Largest upload through the proxy (NGINX size), or "unlimited".' }),
    activityPubUpstream: settingString('url', checkOrigin)
      .default('https://ap.ghost.org')
      .meta({ description: "ActivityPub service for Ghost 6's social web: scheme, host and optional port." }),
  }),
  CONTAINER_DEFAULTS.proxy,
).meta({ description: 'The NGINX proxy container and its configuration.' });

const GHOST_SCHEMA = withSwapCheck(
  z.strictObject({
    ...containerFields(CONTAINER_DEFAULTS.ghost),
    contentPath: settingString('path', checkDataPath)
      .default('/var/lib/ghost')
      .meta({ description: "Host directory of Ghost's content (images, themes), mounted at /var/lib/ghost/content." }),
  }),
  CONTAINER_DEFAULTS.ghost,
).meta({ description: 'The Ghost container.' });

const MYSQL_SCHEMA = withSwapCheck(
  z.strictObject({
    ...containerFields(CONTAINER_DEFAULTS.mysql),
    dataPath: settingString('path', checkDataPath)
      .default('/var/lib/ghost-mysql')
      .meta({ description: "Host directory of MySQL's data files, mounted at /var/lib/mysql." }),
    database: settingString('name', checkSqlName).default('ghost').meta({ description: "Ghost's database." }),
    user: settingString('name', checkSqlName).default('ghost').meta({ description: "Ghost's database user." }),
  }),
  CONTAINER_DEFAULTS.mysql,
).meta({ description: 'The MySQL container.' });

const MAIL_SCHEMA = z
  .strictObject({
    host: settingString('host', checkDomain, { description: 'SMTP relay host name.' }),
    port: settingNumber(checkPort).default(587).meta({ description: 'SMTP port.' }),
    secure: z.boolean().default(false).meta({ description: 'Implicit TLS (port 465); false means STARTTLS.' }),
    user: settingString('text', undefined, { maxLength: 256, description: 'SMTP user name. The password comes from TF_VAR_smtp_password.' }),
    from: settingString('text', undefined, { maxLength: 256 })
      .optional()
      .meta({ description: 'Sender, such as "Blog" <blog@example.com>. Default: Ghost\'s own, noreply@ the blog\'s domain.' }),
  })
  .meta({ description: "Ghost's outgoing mail over SMTP." });

/** How often backups run: a name, or "every <n>h". */
const BACKUP_SCHEDULES = { hourly: 3600, daily: 86400, weekly: 604800 } as const;

/** Seconds between backups for a schedule, or undefined when it is none. */
export function backupIntervalSeconds(schedule: string): number | undefined {
  if (schedule in BACKUP_SCHEDULES) return BACKUP_SCHEDULES[schedule as keyof typeof BACKUP_SCHEDULES];
  const hours = /^every ([1-9][0-9]{0,2})h$/.exec(schedule)?.[1];
  return hours !== undefined && Number(hours) <= 24 * 31 ? Number(hours) * 3600 : undefined;
}

const checkBackupRepository: Checker<string> = (value) => {
  if (value.startsWith('/')) return checkDataPath(value);
  if (/^s3:https:\/\/[a-z0-9.-]+(:[1-9][0-9]{0,4})?\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._/-]*)?$/.test(value)) return undefined;
  if (/^sftp:[a-z_][a-z0-9_.-]{0,31}@[a-z0-9.-]+:\/[A-Za-z0-9._/-]+$/.test(value)) return undefined;
  return 'expected a host folder such as "/var/lib/ghost-backups", "s3:https://host/bucket[/prefix]" or "sftp:user@host:/path"';
};

const keepCount = (what: string, fallback: number) =>
  settingNumber((value) => (Number.isInteger(value) && value >= 0 && value <= 1000 ? undefined : 'expected a whole number from 0 to 1000'))
    .default(fallback)
    .meta({ description: `How many ${what} backups to keep.` });

const BACKUP_SCHEMA = withSwapCheck(
  z.strictObject({
    ...containerFields(CONTAINER_DEFAULTS.backup),
    schedule: settingString('name', (value) => (backupIntervalSeconds(value) !== undefined ? undefined : 'expected "hourly", "daily", "weekly" or "every <n>h" (n from 1 to 744)'))
      .default('daily')
      .meta({ description: 'How often to back up: "hourly", "daily", "weekly" or "every <n>h".' }),
    at: settingString('name', (value) => (/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(value) ? undefined : 'expected a time of day HH:MM (UTC), such as "03:00"'))
      .default('03:00')
      .meta({ description: 'The time of day (UTC, HH:MM) the schedule is aligned to.' }),
    keepDaily: keepCount('daily', 7),
    keepWeekly: keepCount('weekly', 4),
    keepMonthly: keepCount('monthly', 6),
    repository: settingString('url', checkBackupRepository)
      .default('/var/lib/ghost-backups')
      .meta({
        description: 'Where backups go: a host folder, or off the host: "s3:https://host/bucket[/prefix]" (keys from TF_VAR_backup_s3_access_key_id and TF_VAR_backup_s3_secret_access_key) or "sftp:user@host:/path" (key from TF_VAR_backup_sftp_private_key). The repository password comes from TF_VAR_restic_password.',
      }),
    sftpKnownHosts: settingString('text', undefined, { maxLength: 4096, description: "The SFTP server's host key line, as in known_hosts, for an sftp: repository." }).optional(),
  }),
  CONTAINER_DEFAULTS.backup,
).meta({ description: "Scheduled, encrypted backups of the database and Ghost's content with restic, or false for none." });

const WAIVER_SCHEMA = z.strictObject({
  rule: z
    .enum(Object.keys(POLICY_RULES) as [PolicyRule, ...PolicyRule[]], { error: `expected one of ${Object.keys(POLICY_RULES).join(', ')}` })
    .meta({ description: 'The policy rule waived.' }),
  container: settingString('name', checkDockerName, { description: 'The container it is waived for, by name.' }),
  reason: settingString('text', (value) => (value.trim().length >= 10 ? undefined : 'expected a reason a reviewer can judge (10 characters or more)'), {
    maxLength: 500,
    description: 'Why the rule does not apply; written into the plan and shown by npm run review.',
  }),
});

const DEFAULT_STACK_NAME = 'ghost-blog';
export const DEFAULT_BLOG_DOMAIN = 'www.example.com';

export const BLOG_SETTINGS_SCHEMA = z
  .strictObject({
    $schema: settingString('text').optional().meta({ description: 'The JSON Schema this file follows, for editors; ignored by the stack.' }),
    name: settingString('name', checkStackName)
      .default(DEFAULT_STACK_NAME)
      .meta({
        description:
          'Names the stack: the cdktf stack id, the label on every resource and the prefix of image, network and volume names. Lower-case letters and digits joined by ".", "_", "__" or dashes, as Docker takes image names.',
      }),
    dockerHost: settingString('url', checkDockerHost)
      .default('unix:///var/run/docker.sock')
      .meta({ description: 'Docker daemon to deploy to: the local socket, ssh://user@host or tcp://host:port.' }),
    siteUrl: settingString('url')
      .optional()
      .meta({ description: "Public URL of the blog; Ghost's url. Its host is the blog's virtual host. Default: https://www.example.com (http:// with TLS off)." }),
    redirectDomains: z
      .array(settingString('host', checkDomain))
      .max(100)
      .default(['example.com'])
      .meta({ description: 'Other host names that serve the static web root and send everything else to the blog.' }),
    adminDomain: settingString('host', checkDomain)
      .optional()
      .meta({ description: "A separate host name for Ghost's admin (admin__url), proxied wholly to Ghost. Default: the admin is served on the blog host at /ghost/." }),
    timeZone: settingString('name', checkTimeZone).default('America/Toronto').meta({ description: 'IANA time zone of the blog image.' }),
    tls: TLS_SCHEMA.prefault({}),
    ports: PORTS_SCHEMA.prefault({}),
    proxy: PROXY_SCHEMA.prefault({}),
    ghost: GHOST_SCHEMA.prefault({}),
    mysql: MYSQL_SCHEMA.prefault({}),
    backup: z
      .union([z.literal(false), BACKUP_SCHEMA])
      .prefault({}),
    mail: z
      .union([z.literal(false), MAIL_SCHEMA])
      .default(false)
      .meta({ description: "Ghost's SMTP settings, or false for no mail (then Ghost's staff device verification is off, so the owner can sign in)." }),
    policyWaivers: z
      .array(WAIVER_SCHEMA)
      .max(100)
      .default([])
      .meta({ description: 'Reviewed exceptions to the synth-time policies, one rule for one container each, with a reason.' }),
  })
  .meta({ title: 'Ghost blog host settings', description: 'Settings of one Ghost blog host declared with ghost-docker-cdktf.' });

/** Deeply read-only, as settings are once given. */
export type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The settings as a user writes them: every field optional. */
export type BlogHostSettings = DeepReadonly<z.input<typeof BLOG_SETTINGS_SCHEMA>>;

/** The settings after the schema: every static default applied, every value checked. */
export type ParsedBlogSettings = DeepReadonly<z.output<typeof BLOG_SETTINGS_SCHEMA>>;

export type PolicyWaiverSetting = z.output<typeof WAIVER_SCHEMA>;

/** A schema without its optional, default and pipe wrappers; a "false or object" union as its object. */
export function unwrapSchema(schema: z.core.$ZodType): z.core.$ZodType {
  const def = schema._zod.def as unknown as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType; options?: z.core.$ZodType[] };
  if (def.innerType) return unwrapSchema(def.innerType);
  if (def.type === 'pipe' && def.in) return unwrapSchema(def.in);
  if (def.type === 'union' && def.options) {
    const objects = def.options.filter((o) => (o._zod.def as { type: string }).type !== 'literal');
    if (objects.length === 1) return unwrapSchema(objects[0]);
  }
  return schema;
}

/** One string setting of the schema: its path (`[]` for any list entry) and its kind. */
export interface StringSetting {
  readonly path: string;
  /** The gate's kind, or "enum" for a closed set of names. */
  readonly kind: StringKind | 'enum';
}

/** Every string setting of the schema, found by walking it: the tests cover each one. */
export function stringSettings(schema: z.core.$ZodType = BLOG_SETTINGS_SCHEMA, at = ''): StringSetting[] {
  const node = unwrapSchema(schema);
  const def = node._zod.def as unknown as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType };
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([key, child]) => stringSettings(child, at ? `${at}.${key}` : key));
    case 'array':
      return stringSettings(def.element!, `${at}[]`);
    case 'enum':
      return [{ path: at, kind: 'enum' }];
    case 'string': {
      const kind = (node as unknown as Record<symbol, StringKind | undefined>)[STRING_KIND];
      if (kind === undefined) throw new Error(`The string setting ${at} does not pass the gate: declare it with settingString().`);
      return [{ path: at, kind }];
    }
    default:
      return [];
  }
}
