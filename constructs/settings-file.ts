import * as fs from 'fs';
import { BlogHostSettings } from './blog-settings';
import { SettingError } from './validation';

/**
 * Reads blog settings from a JSON file, strictly: an unknown key, a value of the wrong type
 * or a password is an error rather than something silently ignored.
 */

type Leaf = 'string' | 'number' | 'boolean' | 'string[]';
type Node = Leaf | Schema | { readonly oneOf: readonly (Leaf | Schema | 'false')[] } | { readonly listOf: Schema };
interface Schema {
  readonly [key: string]: Node;
}

const CONTAINER: Schema = {
  containerName: 'string',
  memoryMb: 'number',
  memorySwapMb: 'number',
  restart: 'string',
  logMaxSize: 'string',
  logMaxFiles: 'number',
};

const SETTINGS_SCHEMA: Schema = {
  name: 'string',
  dockerHost: 'string',
  siteUrl: 'string',
  redirectDomains: 'string[]',
  adminDomain: 'string',
  timeZone: 'string',
  tls: {
    enabled: 'boolean',
    certificatePath: 'string',
    keyPath: 'string',
    profile: 'string',
    hstsPreload: 'boolean',
    ocspStapling: 'boolean',
    acmeWebroot: 'string',
  },
  ports: { http: 'number', https: 'number' },
  proxy: { ...CONTAINER, staticRoot: 'string', cacheValidTime: 'string', clientMaxBodySize: 'string', activityPubUpstream: 'string' },
  ghost: { ...CONTAINER, contentPath: 'string' },
  mysql: { ...CONTAINER, dataPath: 'string', database: 'string', user: 'string' },
  mail: { oneOf: ['false', { host: 'string', port: 'number', secure: 'boolean', user: 'string', from: 'string' }] },
  policyWaivers: { listOf: { rule: 'string', container: 'string', reason: 'string' } },
};

// Keys that look like a secret get a pointed message instead of "unknown key".
const SECRET_KEY = /pass(word)?|secret|token|private/i;

export function parseSettings(value: unknown, source: string): BlogHostSettings {
  check(value, SETTINGS_SCHEMA, '', source);
  return value as BlogHostSettings;
}

function check(value: unknown, schema: Node, at: string, source: string): void {
  const name = at || '(top level)';
  if (typeof schema === 'string') {
    const ok =
      schema === 'string[]' ? Array.isArray(value) && value.every((item) => typeof item === 'string') : typeof value === schema;
    if (!ok) throw new SettingError(name, value, `expected ${schema === 'string[]' ? 'a list of strings' : `a ${schema}`} (in ${source})`);
    return;
  }
  if ('listOf' in schema && typeof schema.listOf === 'object') {
    if (!Array.isArray(value)) throw new SettingError(name, value, `expected a list (in ${source})`);
    value.forEach((item, i) => check(item, schema.listOf as Schema, `${at}[${i}]`, source));
    return;
  }
  if ('oneOf' in schema && Array.isArray(schema.oneOf)) {
    if (value === false && schema.oneOf.includes('false')) return;
    const objectSchema = schema.oneOf.find((s) => typeof s === 'object') as Schema;
    check(value, objectSchema, at, source);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SettingError(name, value, `expected an object (in ${source})`);
  }
  for (const [key, child] of Object.entries(value)) {
    const path = at ? `${at}.${key}` : key;
    const childSchema = (schema as Schema)[key];
    if (childSchema === undefined) {
      if (SECRET_KEY.test(key)) {
        throw new SettingError(
          path,
          '(a literal secret, not shown)',
          'secrets may only be given as sensitive Terraform variables (TF_VAR_mysql_root_password, TF_VAR_mysql_password, TF_VAR_smtp_password), never in the settings file',
        );
      }
      throw new SettingError(path, child, `unknown setting (in ${source}); allowed here: ${Object.keys(schema).join(', ')}`);
    }
    check(child, childSchema, path, source);
  }
}

/**
 * The settings in `file`. A missing file means the defaults, unless `required` (a path the
 * user named explicitly, which must exist).
 */
export function loadSettingsFile(file: string, required: boolean): BlogHostSettings {
  if (!fs.existsSync(file)) {
    if (required) throw new Error(`Settings file ${file} does not exist.`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Settings file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseSettings(parsed, file);
}
