/**
 * Checks of single values. Each checker returns undefined for a good value, or what is
 * allowed instead, so that the settings schema (settings-schema.ts), the NGINX renderer and
 * the constructs all word a refusal the same way: the setting, the value, what is allowed.
 */

/** What a checker says: nothing for a good value, else what is allowed. */
export type Checker<T> = (value: T) => string | undefined;

/** Thrown for a bad setting; the message is meant for the person who wrote it. */
export class SettingError extends Error {
  constructor(setting: string, value: unknown, allowed: string) {
    super(`Invalid setting ${setting}: got ${describeValue(value)}; ${allowed}.`);
    this.name = 'SettingError';
  }
}

/** Every problem of a settings file at once, one line each. */
export class SettingsError extends Error {
  constructor(public readonly problems: readonly string[], source?: string) {
    super(`${source ? `${source}: ` : ''}${problems.length} invalid setting${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

/** A value as an error message shows it: JSON, cut short, never more than a line. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Runs a checker and throws a SettingError naming the setting when it refuses. */
export function check<T>(setting: string, value: T, checker: Checker<T>): T {
  const allowed = checker(value);
  if (allowed !== undefined) throw new SettingError(setting, value, allowed);
  return value;
}

/** One of a fixed set of names. */
export function oneOf(allowed: readonly string[]): Checker<string> {
  return (value) => (allowed.includes(value) ? undefined : `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
}

// One label: letters, digits and inner hyphens, 1 to 63 characters (RFC 1123).
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A fully qualified host name such as `www.example.com` (lower case, at least two labels). */
export const checkDomain: Checker<string> = (value) => {
  const labels = value.split('.');
  const ok =
    value.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => DNS_LABEL.test(label)) &&
    !/^[0-9]+$/.test(labels[labels.length - 1]);
  return ok
    ? undefined
    : 'expected a lower-case host name of two or more dot-separated labels (letters, digits, inner hyphens), such as "www.example.com"';
};

/**
 * Host directories no data may live in: mounting one into a container hands it the host's
 * configuration, binaries, kernel interfaces or the Docker socket. A path is refused when
 * it is one of these, lies inside one, or holds one (mounting `/var` would expose `/var/run`).
 */
const SYSTEM_DIRECTORIES = [
  '/etc', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/boot', '/proc', '/sys', '/dev', '/run', '/var/run',
  // The Docker daemon's own state, and where its socket lives on common hosts.
  '/var/lib/docker', '/var/lib/containerd',
] as const;

/** True when one path is the other or lies inside it. */
export function pathsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** An absolute, normalised POSIX path on the Docker host, such as `/var/lib/ghost`. */
const checkAbsolutePath: Checker<string> = (value) => {
  const normalised = value.split('/').every((part, i) => (i === 0 ? part === '' : part !== '' && part !== '.' && part !== '..'));
  if (!value.startsWith('/') || value === '/' || !normalised || !/^[A-Za-z0-9._/@+-]+$/.test(value)) {
    return 'expected an absolute path on the Docker host other than "/", without "." or ".." parts, of letters, digits and . _ - @ + / only, such as "/var/lib/ghost"';
  }
  return undefined;
};

/** A host directory a container keeps data in: absolute, and clear of the system's own directories. */
export const checkDataPath: Checker<string> = (value) => {
  const bad = checkAbsolutePath(value);
  if (bad) return bad;
  const system = SYSTEM_DIRECTORIES.find((dir) => pathsOverlap(value, dir));
  return system ? `expected a directory of its own, outside the host's system directories (${value === system ? 'it is' : 'it overlaps'} ${system})` : undefined;
};

/**
 * Where a single file mounted read-only may come from (a certificate, a key): anywhere but
 * the kernel's and the container runtime's own trees, which hold the Docker socket.
 */
const RUNTIME_DIRECTORIES = ['/proc', '/sys', '/dev', '/run', '/var/run', '/var/lib/docker', '/var/lib/containerd'] as const;

export const checkFilePath: Checker<string> = (value) => {
  const bad = checkAbsolutePath(value);
  if (bad) return bad;
  const runtime = RUNTIME_DIRECTORIES.find((dir) => pathsOverlap(value, dir));
  return runtime ? `expected a file outside the kernel's and the container runtime's directories (it is in ${runtime})` : undefined;
};

/** Docker refuses a memory limit below 6 MiB; anything above 1 TiB is a typo. */
const MEMORY_MIB = { min: 6, max: 1024 * 1024 } as const;

export const checkMemory: Checker<number> = (value) =>
  Number.isInteger(value) && value >= MEMORY_MIB.min && value <= MEMORY_MIB.max
    ? undefined
    : `expected a whole number of MiB from ${MEMORY_MIB.min} (Docker's minimum) to ${MEMORY_MIB.max} (1 TiB)`;

/** Docker's swap limit is memory plus swap: at least the memory, or -1 for unlimited. */
export function checkMemorySwap(memory: number): Checker<number> {
  return (value) =>
    value === -1 || (Number.isInteger(value) && value >= memory && value <= MEMORY_MIB.max)
      ? undefined
      : `expected a whole number of MiB of at least the memory limit (${memory}) and at most ${MEMORY_MIB.max}, or -1 for unlimited swap`;
}

/** A TCP port. */
export const checkPort: Checker<number> = (value) =>
  Number.isInteger(value) && value >= 1 && value <= 65535 ? undefined : 'expected a whole number from 1 to 65535';

/** A json-file `max-size`: a positive whole number with a unit of k, m or g, such as "10m". */
export const checkLogSize: Checker<string> = (value) =>
  /^[1-9][0-9]{0,5}[kmg]$/.test(value) ? undefined : 'expected a positive whole number of at most six digits followed by k, m or g, such as "10m"';

/** A json-file `max-file`: how many rotated files to keep. */
export const checkLogFiles: Checker<number> = (value) =>
  Number.isInteger(value) && value >= 1 && value <= 100 ? undefined : 'expected a whole number of files from 1 to 100';

/** A container, network or stack name as Docker and cdktf accept it. */
export const checkDockerName: Checker<string> = (value) =>
  /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(value)
    ? undefined
    : 'expected a Docker name: a letter or digit, then letters, digits, "_", "." or "-", at most 63 characters';

/**
 * The stack's name. It is also the repository of the images the stack builds
 * (`<name>/proxy`), and Docker takes an image repository only in lower case, its parts
 * joined by one ".", one or two "_", or dashes.
 */
export const checkStackName: Checker<string> = (value) =>
  value.length <= 63 && /^[a-z0-9]+(?:(?:\.|_{1,2}|-+)[a-z0-9]+)*$/.test(value)
    ? undefined
    : 'expected a stack name: lower-case letters and digits, joined by one ".", one or two "_", or dashes, at most 63 characters (it names the images the stack builds, which Docker takes in lower case only)';

/** An IANA time zone name such as "Europe/Paris" or "UTC". */
export const checkTimeZone: Checker<string> = (value) =>
  /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value) && value.length <= 64
    ? undefined
    : 'expected an IANA time zone name such as "Europe/Paris" or "UTC"';

/** A MySQL database or user name that needs no quoting. */
export const checkSqlName: Checker<string> = (value) =>
  /^[A-Za-z0-9_]{1,32}$/.test(value) ? undefined : 'expected 1 to 32 letters, digits or underscores';

/** An e-mail address as a mailbox: local part, @, a host name. */
export const checkEmail: Checker<string> = (value) => {
  const at = value.lastIndexOf('@');
  return at > 0 && /^[A-Za-z0-9._%+-]{1,64}$/.test(value.slice(0, at)) && checkDomain(value.slice(at + 1)) === undefined
    ? undefined
    : 'expected an e-mail address such as "webmaster@example.com"';
};

/**
 * Where the stack deploys: the whole value is one Docker address. A password in an SSH
 * address would be written into the plan and the review, so it is refused (use an SSH key).
 */
export const checkDockerHost: Checker<string> = (value) => {
  const host = '(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\\[[0-9a-fA-F:.]+\\])';
  const port = '(?::(?:[1-9][0-9]{0,4}))?';
  const forms = [
    /^unix:\/\/\/[A-Za-z0-9._/-]+$/,
    new RegExp(`^ssh://(?:[a-z_][a-z0-9_.-]{0,31}@)?${host}${port}$`),
    new RegExp(`^tcp://${host}:[1-9][0-9]{0,4}$`),
    /^npipe:\/\/\/\/\.\/pipe\/[A-Za-z0-9_.-]+$/,
  ];
  if (/^ssh:\/\/[^/@]*:[^/@]*@/.test(value)) return 'expected no password in an ssh:// address (it would be written into the plan); use an SSH key';
  return forms.some((form) => form.test(value))
    ? undefined
    : 'expected unix:///path/to/docker.sock, ssh://user@host[:port] or tcp://host:port, and nothing else';
};

/** The Docker address with any password replaced, for messages. */
export function redactDockerHost(value: string): string {
  return value.replace(/^(ssh:\/\/[^/@:]*):[^/@]*@/, '$1:(redacted)@');
}

// NGINX's limits, from ngx_parse_offset and ngx_parse_time (src/core/ngx_parse.c).
const NGX_MAX_OFF_T = 2n ** 63n - 1n;
const SIZE_UNITS: Record<string, bigint> = { '': 1n, k: 1024n, m: 1024n ** 2n, g: 1024n ** 3n };

/**
 * Bytes of an NGINX size as `client_max_body_size` reads it (ngx_parse_offset): digits with
 * an optional k, m or g (either case), at most 2^63-1 bytes. Undefined when NGINX refuses it.
 */
export function nginxSizeBytes(text: string): bigint | undefined {
  const match = /^([0-9]{1,20})([kKmMgG]?)$/.exec(text);
  if (!match) return undefined;
  const scale = SIZE_UNITS[match[2].toLowerCase()];
  const value = BigInt(match[1]);
  return value > NGX_MAX_OFF_T / scale ? undefined : value * scale;
}

/** The largest upload: an NGINX size, or "unlimited" (NGINX's 0) said in words. */
export const UNLIMITED = 'unlimited';

export const checkBodySize: Checker<string> = (value) => {
  if (value === UNLIMITED) return undefined;
  const bytes = nginxSizeBytes(value);
  if (bytes === 0n) return `expected a size above zero; NGINX reads 0 as no limit at all, so write "${UNLIMITED}" if that is what you mean`;
  return bytes === undefined ? `expected a size NGINX accepts: a whole number optionally followed by k, m or g, such as "50m", at most 2^63-1 bytes, or "${UNLIMITED}"` : undefined;
};

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400, M: 30 * 86400, y: 365 * 86400 };

/**
 * Seconds of an NGINX time as second-resolution directives such as `proxy_cache_valid`
 * read it (ngx_parse_time with seconds): a whole number and a unit of s, m, h, d, w, M
 * (30 days) or y (365 days); NGINX refuses `ms` there. Undefined when NGINX refuses it.
 */
function nginxTimeSeconds(text: string): number | undefined {
  const match = /^([0-9]{1,12})(s|m|h|d|w|M|y)$/.exec(text);
  return match ? Number(match[1]) * SECONDS[match[2]] : undefined;
}

/** A freshness or expiry time for the page cache: a positive NGINX time of at most a year. */
export const checkCacheTime: Checker<string> = (value) => {
  const seconds = nginxTimeSeconds(value);
  return seconds !== undefined && seconds >= 1 && seconds <= SECONDS.y
    ? undefined
    : 'expected an NGINX time from 1s to 1y: a whole number followed by s, m, h, d, w, M or y, such as "10m" (NGINX refuses ms here)';
};

/**
 * The ActivityPub service's origin: scheme, host and an optional port, nothing else, so
 * that no client-controlled variable and no directive can ride along into NGINX.
 */
export const checkOrigin: Checker<string> = (value) => {
  const match = /^(https?):\/\/([a-z0-9.-]+)(?::([0-9]{1,5}))?$/.exec(value);
  const host = match?.[2] ?? '';
  // A host name of one or more labels (a container alias has one), or an IPv4 address.
  const hostOk = host.split('.').every((label) => DNS_LABEL.test(label)) && host.length <= 253;
  return match && hostOk && (match[3] === undefined || checkPort(Number(match[3])) === undefined)
    ? undefined
    : 'expected http:// or https://, a lower-case host name or IPv4 address and an optional port, and nothing else, such as "https://ap.ghost.org"';
};

/** A list whose entries may appear once each. */
export function firstRepeat<T>(values: readonly T[]): T | undefined {
  const seen = new Set<T>();
  for (const value of values) {
    if (seen.has(value)) return value;
    seen.add(value);
  }
  return undefined;
}
