import { Token } from 'cdktf';

/**
 * Synth-time input checks. Every error names the setting, the value it got and what is
 * allowed, so a user can fix the settings file without reading the constructs.
 * Values that are still tokens (resolved only by Terraform) are skipped: they cannot be
 * checked before `terraform apply`.
 */

/** Thrown for any bad setting; the message is meant for the person who wrote it. */
export class SettingError extends Error {
  constructor(setting: string, value: unknown, allowed: string) {
    super(`Invalid setting ${setting}: got ${describe(value)}; ${allowed}.`);
    this.name = 'SettingError';
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  return JSON.stringify(value);
}

/** True when the value will only be known to Terraform, so it cannot be validated here. */
export function isToken(value: unknown): boolean {
  return (typeof value === 'string' || typeof value === 'number') && Token.isUnresolved(value);
}

// One label: letters, digits and inner hyphens, 1 to 63 characters (RFC 1123).
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A fully qualified host name such as `www.example.com` (lower case, at least two labels). */
export function validateDomain(setting: string, value: string): void {
  if (isToken(value)) return;
  const labels = value.split('.');
  const ok =
    value.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => DNS_LABEL.test(label)) &&
    !/^[0-9]+$/.test(labels[labels.length - 1]);
  if (!ok) {
    throw new SettingError(
      setting,
      value,
      'expected a lower-case host name of two or more dot-separated labels (letters, digits, inner hyphens), such as "www.example.com"',
    );
  }
}

/** Host names across all settings must be distinct: two sites cannot answer for one name. */
export function validateDistinctDomains(setting: string, values: readonly string[]): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) {
      throw new SettingError(setting, value, 'each host name may be used by one site only');
    }
    seen.add(value);
  }
}

/** An absolute, normalised POSIX path on the Docker host, such as `/var/lib/ghost`. */
export function validateAbsolutePath(setting: string, value: string): void {
  if (isToken(value)) return;
  const normalised = value.split('/').every((part, i) => (i === 0 ? part === '' : part !== '' && part !== '.' && part !== '..'));
  if (!value.startsWith('/') || value === '/' || !normalised || /[\0\n]/.test(value)) {
    throw new SettingError(setting, value, 'expected an absolute path on the Docker host other than "/", without "." or ".." parts, such as "/var/lib/ghost"');
  }
}

/** A whole number of MiB greater than zero. */
export function validateMemory(setting: string, value: number): void {
  if (isToken(value)) return;
  if (!Number.isInteger(value) || value <= 0) {
    throw new SettingError(setting, value, 'expected a whole number of MiB greater than 0');
  }
}

/** Docker's swap limit is memory plus swap: it must be at least `memory`, or -1 for unlimited. */
export function validateMemorySwap(setting: string, value: number, memory: number): void {
  if (isToken(value) || isToken(memory)) return;
  if (value === -1) return;
  if (!Number.isInteger(value) || value < memory) {
    throw new SettingError(
      setting,
      value,
      `expected a whole number of MiB of at least the memory limit (${memory}), or -1 for unlimited swap`,
    );
  }
}

/** A TCP port a container can publish on the host. */
export function validatePort(setting: string, value: number): void {
  if (isToken(value)) return;
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new SettingError(setting, value, 'expected a whole number from 1 to 65535');
  }
}

/** Ports published on one host must not collide. */
export function validateDistinctPorts(setting: string, values: readonly number[]): void {
  const seen = new Set<number>();
  for (const value of values) {
    if (seen.has(value)) throw new SettingError(setting, value, 'each published port may be used once');
    seen.add(value);
  }
}

/** Docker's restart policies (`docker run --restart`). */
export const RESTART_POLICIES = ['no', 'on-failure', 'always', 'unless-stopped'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

export function validateRestartPolicy(setting: string, value: string): asserts value is RestartPolicy {
  if (!(RESTART_POLICIES as readonly string[]).includes(value)) {
    throw new SettingError(setting, value, `expected one of ${RESTART_POLICIES.map((p) => `"${p}"`).join(', ')}`);
  }
}

/** A json-file `max-size`: a positive whole number with a unit of k, m or g, such as "10m". */
export function validateLogSize(setting: string, value: string): void {
  if (!/^[1-9][0-9]*[kmg]$/.test(value)) {
    throw new SettingError(setting, value, 'expected a positive whole number followed by k, m or g, such as "10m"');
  }
}

/** A json-file `max-file`: how many rotated files to keep. */
export function validateLogFiles(setting: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new SettingError(setting, value, 'expected a whole number of files of at least 1');
  }
}

/**
 * Secrets must reach the stack as Terraform references (a sensitive variable), never as
 * literals: a literal would be written into cdktf.out and every snapshot.
 */
export function validateSecretReference(setting: string, value: string): void {
  if (!isToken(value)) {
    throw new SettingError(
      setting,
      '(a literal secret, not shown)',
      'secrets may only be given as a sensitive Terraform variable (TF_VAR_...), never as a literal value',
    );
  }
}

/** A NGINX duration such as "30s", "10m" or "1h" (a number followed by one unit). */
export function validateDuration(setting: string, value: string): void {
  if (!/^[1-9][0-9]*(ms|s|m|h|d|w|M|y)$/.test(value)) {
    throw new SettingError(setting, value, 'expected a duration: a positive whole number followed by ms, s, m, h, d, w, M or y, such as "10m"');
  }
}

/** A NGINX size such as "50m" (bytes, or a number with k or m). */
export function validateSize(setting: string, value: string): void {
  if (!/^[0-9]+[kKmMgG]?$/.test(value)) {
    throw new SettingError(setting, value, 'expected a size: a whole number optionally followed by k, m or g, such as "50m"');
  }
}

/** One of a fixed set of names. */
export function validateOneOf<T extends string>(setting: string, value: string, allowed: readonly T[]): asserts value is T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new SettingError(setting, value, `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }
}

/** A container or network name as Docker accepts it. */
export function validateDockerName(setting: string, value: string): void {
  if (isToken(value)) return;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(value)) {
    throw new SettingError(setting, value, 'expected a Docker name: a letter or digit, then letters, digits, "_", "." or "-", at most 63 characters');
  }
}
