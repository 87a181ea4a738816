import fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import { CONTAINER_LAYOUT, proxyConfigOptions } from '../core/proxy-options';
import { renderNginxConfig } from '../core/nginx-config';
import { resolveBlogSettings } from '../core/settings';
import { ACME_SCHEMA, BLOG_SETTINGS_SCHEMA, BlogHostSettings, stringSettings } from '../core/settings-schema';
import { templateSequences, terraformLiteralValue } from '../core/terraform-literal';
import { Json } from '../core/terraform-json';
import { SettingError, SettingsError } from '../core/validation';
import { describeWhenAvailable } from '../test-support/required-tools';
import { synthBlogHost } from '../test-support/synth';
import { findLocalNginxes, nginxLabel, testNginxConfiguration } from '../tools/nginx-harness';

/**
 * Nothing a setting holds may reach Terraform or NGINX as code. Every string setting the
 * schema declares (found by walking it, so a new one is covered the day it is added) is fed
 * arbitrary strings: template syntax, NGINX metacharacters, quotes and backslashes, line
 * breaks, NUL, non-ASCII, very long ones, and valid values with any of these spliced in.
 * Each must be refused with an error naming the setting, or else synthesize into a plan in
 * which it adds no template code (free text must read back literally), and render NGINX
 * files that pass `nginx -t` on every real NGINX build.
 */

/**
 * What a setting needs around it to be valid: a mail setting needs its host and user, a
 * certificate path its key path; and, since a blog on a real domain gets its certificate
 * over ACME, an account contact for every setting that can name one.
 */
const ACME_CONTACT: BlogHostSettings = { tls: { acme: { email: 'admin@example.net' } } };
const OWN_CERTIFICATE: BlogHostSettings = { tls: { certificatePath: '/srv/tls/fullchain.pem', keyPath: '/srv/tls/privkey.pem' } };

const KNOWN_HOST = 'backup.example.net ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

function contextFor(at: string, value?: string): BlogHostSettings {
  // An sftp: repository needs the server's host key beside it; no other repository takes one.
  if (at === 'backup.repository' && value?.startsWith('sftp:')) return { ...ACME_CONTACT, backup: { sftpKnownHosts: KNOWN_HOST } };
  if (/^tls\.(certificatePath|keyPath|acmeWebroot)$/.test(at)) return OWN_CERTIFICATE;
  if (at.startsWith('mail.')) return { ...ACME_CONTACT, mail: { host: 'smtp.example.net', user: 'blog' } };
  if (at === 'backup.sftpKnownHosts') return { ...ACME_CONTACT, backup: { repository: 'sftp:backup@backup.example.net:/srv/restic' } };
  if (at.startsWith('policyWaivers')) return { ...ACME_CONTACT, policyWaivers: [{ rule: 'not-privileged', container: 'proxy', reason: 'a reason long enough to judge' }] };
  return ACME_CONTACT;
}

/** Valid values the generators splice hostile fragments into, beyond the defaults and the example. */
const MORE_VALID: Readonly<Record<string, readonly string[]>> = {
  $schema: ['./blog.settings.schema.json'],
  siteUrl: ['https://blog.example.net'],
  adminDomain: ['admin.example.com'],
  // A host other than the default's, so that an accepted value always changes NGINX's configuration.
  'redirectDomains[]': ['example.org'],
  'tls.certificatePath': ['/srv/tls/fullchain.pem'],
  'tls.keyPath': ['/srv/tls/privkey.pem'],
  'tls.acmeWebroot': ['/srv/acme-webroot'],
  'mail.from': ['"Blog" <blog@example.com>'],
  'tls.acme.directory': ['staging', 'https://acme.example.net/directory'],
  'tls.acme.externalAccountBinding.keyId': ['kid-1'],
  'proxy.cacheValidTime': ['10m', '30s', '2h', '1d'],
  'proxy.clientMaxBodySize': ['100m', '512k', '1g', 'unlimited'],
  'proxy.activityPubUpstream': ['http://activitypub:8080', 'https://ap.example.net:8443'],
  'backup.schedule': ['hourly', 'weekly', 'every 6h'],
  'backup.at': ['23:59', '00:00'],
  'backup.repository': ['/srv/backups/blog', 's3:https://s3.example.net/bucket/blog', 'sftp:backup@backup.example.net:/srv/restic'],
  'backup.sftpKnownHosts': [KNOWN_HOST],
};

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'blog.settings.example.json'), 'utf8'));
// The defaults, with those of the optional ACME client's settings.
const DEFAULTS = { ...BLOG_SETTINGS_SCHEMA.parse({}), tls: { ...BLOG_SETTINGS_SCHEMA.parse({}).tls, acme: ACME_SCHEMA.parse({}) } };

/** The value at a path such as `proxy.cacheValidTime` or `policyWaivers[].reason` (first entry). */
function getAt(root: unknown, at: string): unknown {
  let node = root;
  for (const part of at.split('.')) {
    const key = part.replace(/\[\]$/, '');
    node = (node as Record<string, unknown> | undefined)?.[key];
    if (part.endsWith('[]')) node = Array.isArray(node) ? node[0] : undefined;
  }
  return node;
}

/** Settings holding `value` at a path, with what the path needs around it. */
function withValue(at: string, value: string): BlogHostSettings {
  const settings = structuredClone(contextFor(at, value) as Record<string, unknown>);
  const parts = at.split('.');
  let node = settings;
  parts.forEach((part, i) => {
    const key = part.replace(/\[\]$/, '');
    const last = i === parts.length - 1;
    if (part.endsWith('[]')) {
      const list = ((node[key] as unknown[]) ?? [{}]).slice();
      list[0] = last ? value : { ...(list[0] as object) };
      node[key] = list;
      node = list[0] as Record<string, unknown>;
    } else if (last) {
      node[key] = value;
    } else {
      node[key] = { ...((node[key] as object) ?? {}) };
      node = node[key] as Record<string, unknown>;
    }
  });
  return settings as BlogHostSettings;
}

/** Whether two values of a setting make the stack declare the same things. */
function sameKind(at: string, a: string, b: string): boolean {
  if (at !== 'backup.repository') return true;
  const kind = (value: string) => /^(s3|sftp):/.exec(value)?.[1] ?? 'local';
  return kind(a) === kind(b);
}

/** How an error names the setting: `redirectDomains[0]` for `redirectDomains[]`. */
function errorName(at: string): string {
  return at.replace(/\[\]/g, '[0]');
}

const FRAGMENTS = [
  '${', '%{', '$${', '%%{', '}', '{', ';', '$', '"', "'", '\\', '\r\n', '\n', '\0', '\t', '#', ' ', '/', '..', '~', '*',
  'é', '日本', '🙂', '${file("/etc/passwd")}', '${var.mysql_root_password}', '%{if true}x%{endif}', '$${x}',
  '${TfToken[TOKEN.7]}', '#{TfToken[TOKEN.7]}', '$http_x_target', 'internal;', "'; rm -rf /; '",
];

function hostileStrings(valid: readonly string[]): fc.Arbitrary<string> {
  const fragment = fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 }));
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.array(fragment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('')),
    fc.tuple(fc.constantFrom(...valid), fc.nat(), fragment).map(([v, i, f]) => v.slice(0, i % (v.length + 1)) + f + v.slice(i % (v.length + 1))),
    fc.constantFrom(...valid),
    fc.string({ minLength: 1000, maxLength: 3000 }),
  );
}

/** Every string of a synthesized plan, wherever it sits. */
function stringsIn(value: Json): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/** The template code of a plan: every `${...}` and `%{...}` Terraform would evaluate. */
function templateCode(json: Json): string[] {
  return [...new Set(stringsIn(json).flatMap(templateSequences))].sort();
}

function renderedProxy(settings: BlogHostSettings): string {
  return JSON.stringify(renderNginxConfig(proxyConfigOptions({ settings: resolveBlogSettings(settings), layout: CONTAINER_LAYOUT })));
}

const RUNS = 60;
const DEFAULT_PROXY = renderedProxy({});
/** Accepted settings that change the NGINX configuration, by setting, for `nginx -t` below. */
const feedsNginx = new Map<string, BlogHostSettings[]>();

describe('every string setting, fed arbitrary strings', () => {
  const settings = stringSettings();

  it('finds the string settings by walking the schema', () => {
    expect(settings.map((s) => s.path)).toEqual(expect.arrayContaining(['name', 'dockerHost', 'mail.from', 'policyWaivers[].reason', 'proxy.activityPubUpstream', 'redirectDomains[]']));
    expect(settings.length).toBeGreaterThanOrEqual(30);
  });

  it.each(settings.map((s) => [s.path, s.kind] as const))('%s (%s) is refused by name, or reaches the plan as a literal', (at, kind) => {
    const valid = [getAt(EXAMPLE, at), getAt(DEFAULTS, at), getAt(contextFor(at), at), ...(MORE_VALID[at] ?? [])]
      .filter((v): v is string => typeof v === 'string');
    // A new setting needs a valid value here (in the defaults, the example or MORE_VALID).
    expect(valid).not.toEqual([]);
    // A setting that chooses what the stack declares (a backup repository off the host needs
    // its keys) is compared with a valid value of the same kind.
    const baselines = new Map<string, string[]>();
    const baselineFor = (value: string) => {
      const like = valid.find((v) => sameKind(at, v, value)) ?? valid[0];
      if (!baselines.has(like)) baselines.set(like, templateCode(synthBlogHost(withValue(at, like)).json));
      return baselines.get(like)!;
    };
    let accepted = 0;
    let refused = 0;

    fc.assert(
      fc.property(hostileStrings(valid), (value) => {
        const candidate = withValue(at, value);
        let json: Json;
        try {
          json = synthBlogHost(candidate).json;
        } catch (error) {
          // Refused: by the settings (all problems, one line each) or by a construct.
          const lines = error instanceof SettingsError ? error.problems : error instanceof SettingError ? [error.message] : undefined;
          if (!lines) throw error;
          expect(lines.some((line) => line.startsWith(`Invalid setting ${errorName(at)}:`) || line.startsWith(`Invalid setting ${errorName(at)}.`))).toBe(true);
          refused += 1;
          return;
        }
        accepted += 1;
        expect(templateCode(json)).toEqual(baselineFor(value));
        if (kind === 'text' && at !== '$schema') {
          expect(stringsIn(json).some((s) => terraformLiteralValue(s)?.endsWith(value))).toBe(true);
        }
        if (renderedProxy(candidate) !== DEFAULT_PROXY) {
          const queued = feedsNginx.get(at) ?? [];
          if (queued.length < 6) feedsNginx.set(at, [...queued, candidate]);
        }
      }),
      // The valid values first, every run, then the generated ones.
      { numRuns: RUNS, examples: valid.map((v) => [v] as [string]) },
    );
    // Both outcomes were exercised: the generators are not all refused, nor all accepted.
    expect(refused).toBeGreaterThan(0);
    if (kind !== 'enum') expect(accepted).toBeGreaterThan(0);
  }, 120_000);
});

const nginxes = findLocalNginxes();
describeWhenAvailable('accepted settings on a real NGINX', nginxes.length > 0, 'install nginx (Debian: nginx-light) and openssl', () => {
  describe.each(nginxes.map((nginx) => [nginxLabel(nginx), nginx] as const))('%s', (_title, nginx) => {
    it('passes nginx -t for every accepted setting that changes the configuration', () => {
      // The settings that feed NGINX, each with what the generators got through.
      expect([...feedsNginx.keys()]).toEqual(expect.arrayContaining(['proxy.cacheValidTime', 'proxy.clientMaxBodySize', 'proxy.activityPubUpstream', 'redirectDomains[]']));
      const failures = [...feedsNginx.entries()].flatMap(([at, candidates]) =>
        candidates.map((candidate) => ({ at, candidate, result: testNginxConfiguration(nginx, candidate) })).filter((r) => !r.result.ok),
      );
      expect(failures.map((f) => `${f.at}: ${JSON.stringify(f.candidate)}\n${f.result.output}`)).toEqual([]);
    }, 120_000);
  });
});
