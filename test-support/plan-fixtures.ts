import { Network } from '@cdktf/provider-docker/lib/network';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { Testing, TerraformStack, TerraformVariable } from 'cdktf';
import * as fs from 'fs';
import * as path from 'path';
import { BlogHostStack, BlogHostStackProps } from '../constructs/blog-host-stack';
import { GhostBlog } from '../constructs/ghost-blog';
import { MysqlDatabase } from '../constructs/mysql-database';
import { NginxProxy } from '../constructs/nginx-proxy';
import { CONTAINER_LAYOUT, PROXY_ASSET_DIR, proxyConfigOptions } from '../core/proxy-options';
import { DISPOSABLE_LABEL, GHOST_ENDPOINT, MYSQL_ENDPOINT } from '../core/services';
import { resolveBlogSettings } from '../core/settings';
import { Json } from '../core/terraform-json';
import { copyToTemp, synthBlogHost } from './synth';

/**
 * Pairs of synthesized stacks (base, head) for the plan preview, each made by the project's
 * own constructs with one kind of change between them.
 */
export function planFixture(base: BlogHostStackProps, head: BlogHostStackProps, editHead?: (stack: BlogHostStack) => void): [Json, Json] {
  if (!editHead) return [synthBlogHost(base).json, synthBlogHost(head).json];
  const stack = new BlogHostStack(Testing.app(), 'test', head);
  editHead(stack);
  return [synthBlogHost(base).json, JSON.parse(Testing.synth(stack))];
}

/** The default stack, and the same with one byte of a proxy asset changed. */
export function assetChangeFixture(): [Json, Json] {
  const assets = copyToTemp(PROXY_ASSET_DIR);
  try {
    const base = synthBlogHost({ assetDirs: { proxy: assets } }).json;
    const file = path.join(assets, 'html', 'humans.txt');
    fs.appendFileSync(file, '!');
    return [base, synthBlogHost({ assetDirs: { proxy: assets } }).json];
  } finally {
    fs.rmSync(assets, { recursive: true, force: true });
  }
}

/** The three services built from their constructs; `without` leaves one out. */
export function partialStack(without?: 'proxy' | 'ghost'): Json {
  const stack = new TerraformStack(Testing.app(), 'blog');
  // Your own certificate: these partial stacks have no ACME client.
  const settings = resolveBlogSettings({ tls: { certificatePath: '/srv/tls/fullchain.pem', keyPath: '/srv/tls/privkey.pem' } });
  const secret = (name: string) => new TerraformVariable(stack, name, { type: 'string', sensitive: true }).stringValue;
  const frontend = new Network(stack, 'frontend-network', { name: 'frontend' });
  const backend = new Network(stack, 'backend-network', { name: 'backend', internal: true });
  const mysql = new MysqlDatabase(stack, 'mysql', { stackName: 'blog', container: settings.mysql, endpoint: MYSQL_ENDPOINT, backend, rootPassword: secret('root'), userPassword: secret('user') });
  if (without !== 'ghost') {
    new GhostBlog(stack, 'ghost', {
      stackName: 'blog', container: settings.ghost, siteUrl: settings.siteUrl, timeZone: settings.timeZone, endpoint: GHOST_ENDPOINT, frontend, backend,
      database: { endpoint: mysql.endpoint, database: mysql.database, user: mysql.user, password: secret('user2') },
    });
  }
  if (without !== 'proxy') {
    new NginxProxy(stack, 'proxy', {
      stackName: 'blog', cacheVolume: new Volume(stack, 'proxy-cache', { name: 'proxy-cache', labels: [{ label: DISPOSABLE_LABEL, value: 'the page cache' }] }), container: settings.proxy, tls: settings.tls, ports: settings.ports, frontend,
      configuration: proxyConfigOptions({ settings, layout: CONTAINER_LAYOUT }),
    });
  }
  return JSON.parse(Testing.synth(stack));
}
