import { Testing } from 'cdktf';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BlogHostStack, BlogHostStackProps } from '../constructs/blog-host-stack';
import { Json, TerraformJson } from '../core/terraform-json';

export type { TerraformJson };

/** A synthesized stack, as a reviewer reads it: the JSON text and its parsed form. */
export interface Synthesized {
  readonly stack: BlogHostStack;
  readonly text: string;
  readonly json: TerraformJson;
}

export function synthBlogHost(props: BlogHostStackProps = {}): Synthesized {
  const stack = new BlogHostStack(Testing.app(), 'test', props);
  const text = Testing.synth(stack);
  return { stack, text, json: JSON.parse(text) };
}

/** The one resource of `type` whose `name` attribute is `name`. */
export function resourceNamed(json: TerraformJson, type: string, name: string): Json {
  const matches = Object.values(json.resource[type] ?? {}).filter((r) => r.name === name);
  if (matches.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${matches.length}`);
  return matches[0];
}

/** Copies a folder tree into a fresh temporary folder and returns its path. */
export function copyToTemp(source: string): string {
  const target = fs.mkdtempSync(path.join(os.tmpdir(), 'ghost-assets-'));
  fs.cpSync(source, target, { recursive: true });
  return target;
}

/** Every file under a folder, recursively. */
export function filesUnder(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** A host that differs from the article in every setting the stack exposes. */
export const CUSTOM_SETTINGS: BlogHostStackProps = {
  name: 'myblog',
  dockerHost: 'ssh://deploy@blog.example.org',
  siteUrl: 'https://blog.example.org',
  redirectDomains: ['example.org', 'www.example.org'],
  adminDomain: 'admin.example.org',
  timeZone: 'Europe/Paris',
  tls: {
    certificatePath: '/srv/tls/example.org/fullchain.pem',
    keyPath: '/srv/tls/example.org/privkey.pem',
    profile: 'modern',
    hstsPreload: true,
  },
  ports: { http: 8080, https: 8443 },
  proxy: { containerName: 'edge', memoryMb: 128, memorySwapMb: -1, restart: 'unless-stopped', logMaxSize: '20m', logMaxFiles: 5, cacheValidTime: '5m' },
  ghost: { containerName: 'blog', memoryMb: 1024, contentPath: '/srv/ghost/content', logMaxSize: '5m' },
  mysql: { containerName: 'db', memoryMb: 768, memorySwapMb: 1024, dataPath: '/srv/ghost/mysql', database: 'blog', user: 'blogger' },
  mail: { host: 'smtp.mailer.example', port: 465, secure: true, user: 'postmaster@example.org', from: 'Blog <blog@example.org>' },
  backup: { containerName: 'restic', memoryMb: 320, schedule: 'every 12h', at: '04:30', keepDaily: 14, keepWeekly: 8, keepMonthly: 24, repository: '/srv/ghost/backups' },
};

