import * as fs from 'fs';
import * as path from 'path';
import { BACKUP_ENV, BACKUP_REPOSITORY_DIR } from './backups';
import { ACME_ENV, CONTAINER_CERTIFICATE_SOURCE } from './certificates';
import { SERVICE_LABEL } from './services';

/**
 * Reading synthesized Terraform JSON (cdk.tf.json) as it comes: the one set of readers the
 * policies, the review, the plan preview and the tests share. Pure: it loads no cdktf, so
 * the review tools run without it.
 */

/** Synthesized Terraform JSON, read as it comes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** The top level of a synthesized stack, with its blocks keyed by type and name. */
export interface TerraformJson {
  readonly resource: Record<string, Record<string, Json>>;
  readonly output: Record<string, Json>;
  readonly variable: Record<string, Json>;
  readonly provider: Record<string, Json>;
  readonly locals?: Record<string, Json>;
  readonly terraform?: Json;
}

export interface Resource {
  readonly type: string;
  readonly body: Json;
}

/** Resources by address (`type.name`). */
export function resourcesOf(tf: Json): Map<string, Resource> {
  const map = new Map<string, Resource>();
  for (const [type, resources] of Object.entries<Json>(tf.resource ?? {})) {
    for (const [name, body] of Object.entries<Json>(resources)) map.set(`${type}.${name}`, { type, body });
  }
  return map;
}

/** The service label of a synthesized container ("proxy", "ghost", "mysql"). */
export function serviceOf(container: Json): string | undefined {
  return (container.labels ?? []).find((l: Json) => l.label === SERVICE_LABEL)?.value;
}

/** A Terraform reference to one attribute of one resource, such as `${docker_image.proxy.image_id}`. */
export interface Reference {
  readonly type: string;
  readonly name: string;
  readonly attribute: string;
}

const REFERENCE = /\$\{([a-z_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/g;

/** Every resource attribute referenced anywhere inside a value (`var.` and `local.` are not resources). */
export function referencesIn(value: unknown): Reference[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  return [...text.matchAll(REFERENCE)]
    .filter(([, type]) => type !== 'var' && type !== 'local')
    .map(([, type, name, attribute]) => ({ type, name, attribute }));
}

/** The reference when the value is exactly one, as in `name = "${docker_network.x.name}"`. */
export function wholeReference(value: string): Reference | undefined {
  const [only] = referencesIn(value);
  return only && value === `\${${only.type}.${only.name}.${only.attribute}}` ? only : undefined;
}

/** Environment names that carry secrets. */
const SECRET_ENV = /(PASSWORD|PASSWD|_PASS|__PASS|SECRET|TOKEN|API_KEY|PRIVATE_KEY|HMAC_KEY|ACCESS_KEY)$/i;

/** True when an environment line NAME=value sets a secret. */
export function isSecretEnvLine(line: string): boolean {
  return SECRET_ENV.test(line.split('=', 1)[0]);
}

/** One filesystem a container sees: a `mounts` entry or a legacy `volumes` entry. */
export interface ContainerMount {
  /** bind, volume or tmpfs. */
  readonly kind: string;
  /** Host path or volume name; empty for tmpfs. */
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export function mountsOf(container: Json): ContainerMount[] {
  return [
    ...(container.mounts ?? []).map((m: Json) => ({ kind: m.type, source: m.source ?? '', target: m.target, readOnly: m.read_only === true })),
    ...(container.volumes ?? []).map((v: Json) => ({
      kind: v.host_path ? 'bind' : 'volume',
      source: v.host_path ?? v.volume_name ?? '',
      target: v.container_path,
      readOnly: v.read_only === true,
    })),
  ];
}

/** JSON with object keys sorted, so equal values compare equal as text. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  ) ?? 'null';
}

/** Short text for a value in a table cell: Markdown pipes escaped, long values cut. */
export function displayValue(value: unknown): string {
  if (value === undefined) return '(unset)';
  const text = typeof value === 'string' ? value : canonical(value);
  const short = text.length > 160 ? `${text.slice(0, 157)}...` : text;
  return `\`${short.replace(/\|/g, '\\|').replace(/`/g, "'")}\``;
}

/**
 * A synthesized stack from a path: a cdk.tf.json file, a stack folder, or a cdktf.out
 * folder holding exactly one stack (or the one named).
 */
export function readSynthesizedStack(location: string, stackName?: string): { tf: Json; file: string } {
  let file = location;
  if (!fs.existsSync(location)) throw new Error(`${location} does not exist: run npx cdktf synth first.`);
  if (fs.statSync(location).isDirectory()) {
    if (fs.existsSync(path.join(location, 'cdk.tf.json'))) {
      file = path.join(location, 'cdk.tf.json');
    } else {
      const stacksDir = path.join(location, 'stacks');
      if (!fs.existsSync(stacksDir)) throw new Error(`${location} holds neither cdk.tf.json nor stacks/: run npx cdktf synth first.`);
      const stacks = fs.readdirSync(stacksDir).filter((s) => fs.existsSync(path.join(stacksDir, s, 'cdk.tf.json')));
      const chosen = stackName ? stacks.filter((s) => s === stackName) : stacks;
      if (chosen.length !== 1) {
        throw new Error(`${stacksDir} holds the stacks ${stacks.join(', ') || '(none)'}; name one with --stack.`);
      }
      file = path.join(stacksDir, chosen[0], 'cdk.tf.json');
    }
  }
  return { tf: JSON.parse(fs.readFileSync(file, 'utf8')), file };
}

/** Where a synthesized stack's certificates come from, read from its containers. */
export interface PlanTls {
  readonly mode: 'acme' | 'files' | 'off';
  /** Mode "acme": the directory URL, the account's contact and the certificate's names. */
  readonly directory?: string;
  readonly email?: string;
  readonly names?: readonly string[];
  /** Mode "files": the host files mounted as the certificate's source. */
  readonly certificatePath?: string;
  readonly keyPath?: string;
}

/** A container's environment, NAME=value lines as a record. */
export function environmentOf(container: Json): Record<string, string> {
  return Object.fromEntries(((container.env ?? []) as string[]).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

export function tlsOf(tf: Json): PlanTls {
  const containers = Object.values<Json>(tf.resource?.docker_container ?? {});
  const acme = containers.find((c) => serviceOf(c) === 'acme');
  if (acme) {
    const env = environmentOf(acme);
    return { mode: 'acme', directory: env[ACME_ENV.directory], email: env[ACME_ENV.email], names: (env[ACME_ENV.domains] ?? '').split(' ').filter(Boolean) };
  }
  const proxy = containers.find((c) => serviceOf(c) === 'proxy');
  const mounts = proxy ? mountsOf(proxy) : [];
  const source = (target: string) => mounts.find((m) => m.target === target)?.source;
  const certificatePath = source(CONTAINER_CERTIFICATE_SOURCE.certificateFile);
  if (certificatePath !== undefined) return { mode: 'files', certificatePath, keyPath: source(CONTAINER_CERTIFICATE_SOURCE.keyFile) };
  return { mode: 'off' };
}

/** A synthesized stack's backups, read from its backup container. */
export interface PlanBackups {
  /** Seconds between backups, and the UTC time of day they align to. */
  readonly intervalSeconds: number;
  readonly at: string;
  readonly keep: { readonly daily: number; readonly weekly: number; readonly monthly: number };
  /** The host folder, or the s3:/sftp: URL, the backups go to. */
  readonly repository: string;
}

/** Undefined when the stack has no backup container. */
export function backupsOf(tf: Json): PlanBackups | undefined {
  const backup = Object.values<Json>(tf.resource?.docker_container ?? {}).find((c) => serviceOf(c) === 'backup');
  if (!backup) return undefined;
  const env = environmentOf(backup);
  const repository = env[BACKUP_ENV.repository] === BACKUP_REPOSITORY_DIR ? mountsOf(backup).find((m) => m.target === BACKUP_REPOSITORY_DIR)?.source ?? BACKUP_REPOSITORY_DIR : env[BACKUP_ENV.repository];
  return {
    intervalSeconds: Number(env[BACKUP_ENV.interval]),
    at: env[BACKUP_ENV.at],
    keep: { daily: Number(env[BACKUP_ENV.keepDaily]), weekly: Number(env[BACKUP_ENV.keepWeekly]), monthly: Number(env[BACKUP_ENV.keepMonthly]) },
    repository,
  };
}
