import { Container } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Network } from '@cdktf/provider-docker/lib/network';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import * as os from 'os';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { CERTBOT_PIN, GHOST_PIN, imageReference, MYSQL_PIN, NGINX_PIN } from '../core/versions';
import { TerraformJson } from '../core/terraform-json';
import { CUSTOM_SETTINGS, resourceNamed, synthBlogHost } from '../test-support/synth';

/** The plan as text, for cdktf's matchers. */
function text(json: TerraformJson): string {
  return JSON.stringify(json);
}

describe('BlogHostStack with the default settings', () => {
  const { text, json, stack } = synthBlogHost();

  it('matches the reviewed snapshot', () => {
    expect(text).toMatchSnapshot();
  });

  it('synthesizes byte-identical plans with no machine paths', () => {
    expect(synthBlogHost().text).toBe(text);
    expect(text).not.toContain(process.cwd());
    // A folder of this machine's temporary folder (the plan's own /tmp is a container's tmpfs).
    expect(text).not.toContain(`${os.tmpdir()}/`);
    expect(text).not.toMatch(/20\d\d-\d\d-\d\dT\d\d:/);
  });

  it('talks to the local Docker socket', () => {
    expect(text).toHaveProviderWithProperties(DockerProvider, { host: 'unix:///var/run/docker.sock' });
  });

  it('keeps the article memory limits where they still fit and sets swap explicitly', () => {
    expect(text).toHaveResourceWithProperties(Container, { name: 'proxy', memory: 75, memory_swap: 150 });
    expect(text).toHaveResourceWithProperties(Container, { name: 'ghost', memory: 512, memory_swap: 1024 });
    expect(text).toHaveResourceWithProperties(Container, { name: 'mysql', memory: 512, memory_swap: 512 });
    expect(text).toHaveResourceWithProperties(Container, { name: 'certbot', memory: 128, memory_swap: 256 });
    expect(text).toHaveResourceWithProperties(Container, { name: 'backup', memory: 256, memory_swap: 512 });
  });

  it('restarts every container always, as --restart=always did', () => {
    for (const name of ['proxy', 'ghost', 'mysql', 'certbot', 'backup']) {
      expect(text).toHaveResourceWithProperties(Container, { name, restart: 'always' });
    }
  });

  it('rotates json-file logs with max-size and max-file', () => {
    expect(text).toHaveResourceWithProperties(Container, { name: 'proxy', log_driver: 'json-file', log_opts: { 'max-size': '10m', 'max-file': '3' } });
    expect(text).toHaveResourceWithProperties(Container, { name: 'ghost', log_driver: 'json-file', log_opts: { 'max-size': '1m', 'max-file': '3' } });
    expect(text).toHaveResourceWithProperties(Container, { name: 'mysql', log_driver: 'json-file', log_opts: { 'max-size': '10m', 'max-file': '3' } });
    expect(text).toHaveResourceWithProperties(Container, { name: 'backup', log_driver: 'json-file', log_opts: { 'max-size': '1m', 'max-file': '3' } });
  });

  it('gives every container a health check and labels naming the stack', () => {
    for (const name of ['proxy', 'ghost', 'mysql', 'certbot', 'backup']) {
      const container = resourceNamed(json, 'docker_container', name);
      expect(container.healthcheck.test.length).toBeGreaterThan(1);
      expect(container.labels).toEqual([
        { label: 'ghost-docker-cdktf.stack', value: 'ghost-blog' },
        { label: 'ghost-docker-cdktf.service', value: { certbot: 'acme' }[name] ?? name },
      ]);
    }
  });

  it('replaces container links with a frontend and an internal backend network', () => {
    expect(text).toHaveResourceWithProperties(Network, { name: 'ghost-blog-frontend', driver: 'bridge' });
    expect(text).toHaveResourceWithProperties(Network, { name: 'ghost-blog-backend', internal: true });
    const networks = (name: string) => resourceNamed(json, 'docker_container', name).networks_advanced;
    expect(networks('proxy')).toEqual([{ name: '${docker_network.frontend-network.name}' }]);
    expect(networks('ghost')).toEqual([
      { name: '${docker_network.frontend-network.name}', aliases: ['ghost'] },
      { name: '${docker_network.backend-network.name}' },
    ]);
    expect(networks('mysql')).toEqual([{ name: '${docker_network.backend-network.name}', aliases: ['mysql'] }]);
  });

  it('uses no container links anywhere', () => {
    for (const container of Object.values(json.resource.docker_container)) {
      expect(container).not.toHaveProperty('links');
    }
    expect(text).not.toMatch(/"links"/);
  });

  it('publishes 80 and 443 on the proxy and nothing else', () => {
    expect(resourceNamed(json, 'docker_container', 'proxy').ports).toEqual([
      { internal: 80, external: 80, protocol: 'tcp' },
      { internal: 443, external: 443, protocol: 'tcp' },
    ]);
    expect(resourceNamed(json, 'docker_container', 'ghost').ports).toBeUndefined();
    expect(resourceNamed(json, 'docker_container', 'mysql').ports).toBeUndefined();
  });

  it("keeps data on host paths, read-write, and mounts certbot's folder and the challenges read-only in the proxy", () => {
    expect(resourceNamed(json, 'docker_container', 'ghost').volumes).toEqual([
      { host_path: '/var/lib/ghost', container_path: '/var/lib/ghost/content', read_only: false },
    ]);
    expect(resourceNamed(json, 'docker_container', 'mysql').volumes).toEqual([
      { host_path: '/var/lib/ghost-mysql', container_path: '/var/lib/mysql', read_only: false },
    ]);
    expect(resourceNamed(json, 'docker_container', 'proxy').mounts).toEqual([
      { type: 'volume', source: '${docker_volume.proxy-cache.name}', target: '/var/cache/nginx', read_only: false },
      { type: 'volume', source: '${docker_volume.acme-challenges.name}', target: '/var/www/acme', read_only: true },
    ]);
    expect(resourceNamed(json, 'docker_container', 'proxy').volumes).toEqual([
      { host_path: '/var/lib/ghost-letsencrypt', container_path: '/etc/letsencrypt', read_only: true },
    ]);
  });

  it('builds the proxy and blog images from content-addressed contexts with matching triggers', () => {
    const proxy = stack.proxy.image;
    const blog = stack.ghost.image;
    for (const built of [proxy, blog]) {
      expect(built.contextSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(built.imageName.endsWith(`:${built.contextSha256.slice(0, 12)}`)).toBe(true);
      expect(text).toHaveResourceWithProperties(Image, {
        name: built.imageName,
        keep_locally: true,
        triggers: { context_sha256: built.contextSha256 },
      });
    }
    const proxyImage = resourceNamed(json, 'docker_image', proxy.imageName);
    expect(proxyImage.build.context).toMatch(/^assets\/proxy_image_context_[0-9A-F]+\/[0-9a-f]{32}$/);
    expect(proxyImage.build.build_args).toEqual({ NGINX_IMAGE: imageReference(NGINX_PIN), STATIC_ROOT: 'html' });
    expect(resourceNamed(json, 'docker_image', blog.imageName).build.build_args).toEqual({ GHOST_IMAGE: imageReference(GHOST_PIN), TZ: 'America/Toronto' });
  });

  it('pulls the pinned MySQL 8 image and keeps it on destroy', () => {
    expect(text).toHaveResourceWithProperties(Image, { name: imageReference(MYSQL_PIN), keep_locally: true });
    expect(imageReference(MYSQL_PIN)).toMatch(/^mysql:8\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  });

  it('runs containers from the images they were built from', () => {
    const imageRef = (name: string) => resourceNamed(json, 'docker_container', name).image;
    expect(imageRef('proxy')).toBe('${docker_image.proxy.image_id}');
    expect(imageRef('ghost')).toBe('${docker_image.ghost.image_id}');
    expect(imageRef('mysql')).toBe('${docker_image.mysql.image_id}');
  });

  it("configures Ghost for production through its environment, passwords by reference", () => {
    const env: string[] = resourceNamed(json, 'docker_container', 'ghost').env;
    expect(env).toEqual([
      'NODE_ENV=production',
      'url=https://www.example.com',
      'server__port=2368',
      'logging__transports=["stdout"]',
      'database__client=mysql',
      'database__connection__host=mysql',
      'database__connection__port=3306',
      'database__connection__user=ghost',
      'database__connection__password=${var.mysql_password}',
      'database__connection__database=ghost',
      'security__staffDeviceVerification=false',
    ]);
  });

  it('gives MySQL its database and user, and Ghost waits for it to be healthy', () => {
    const mysql = resourceNamed(json, 'docker_container', 'mysql');
    expect(mysql.env).toEqual([
      'MYSQL_ROOT_PASSWORD=${var.mysql_root_password}',
      'MYSQL_DATABASE=ghost',
      'MYSQL_USER=ghost',
      'MYSQL_PASSWORD=${var.mysql_password}',
    ]);
    expect(mysql.wait).toBe(true);
    expect(resourceNamed(json, 'docker_container', 'ghost').depends_on).toEqual(['docker_container.mysql']);
  });

  it('declares the passwords as sensitive variables, and asks for no SMTP password without mail', () => {
    for (const name of ['mysql_root_password', 'mysql_password']) {
      expect(json.variable[name]).toMatchObject({ type: 'string', sensitive: true, nullable: false });
    }
    expect(json.variable.smtp_password).toBeUndefined();
  });

  it('outputs the site URLs and the container names', () => {
    expect(json.output.site_url.value).toBe('https://www.example.com');
    expect(json.output.redirect_urls.value).toEqual(['https://example.com']);
    expect(json.output.admin_url.value).toBe('https://www.example.com/ghost/');
    expect(json.output.container_names.value).toEqual({ proxy: 'proxy', ghost: 'ghost', mysql: 'mysql', acme: 'certbot', backup: 'backup' });
    expect(stack.proxy.containerName).toBe('proxy');
    expect(stack.siteUrl).toBe('https://www.example.com');
  });
});

describe("BlogHostStack's ACME client, the default way to certificates", () => {
  const { json, stack } = synthBlogHost({ adminDomain: 'admin.example.com' });
  const acme = () => resourceNamed(json, 'docker_container', 'certbot');

  it('runs certbot, pinned, built with the client script, with every policy the other containers meet', () => {
    expect(stack.acme).toBeDefined();
    const image = resourceNamed(json, 'docker_image', stack.acme!.image.imageName);
    expect(image.build.build_args).toEqual({ CERTBOT_IMAGE: imageReference(CERTBOT_PIN) });
    expect(acme()).toMatchObject({
      image: '${docker_image.acme.image_id}',
      memory: 128,
      memory_swap: 256,
      restart: 'always',
      log_driver: 'json-file',
      log_opts: { 'max-size': '1m', 'max-file': '3' },
      healthcheck: { test: ['CMD', '/usr/local/bin/acme-client', 'health'], interval: '5m', start_period: '30m' },
      labels: [{ label: 'ghost-docker-cdktf.stack', value: 'ghost-blog' }, { label: 'ghost-docker-cdktf.service', value: 'acme' }],
    });
    expect(acme().ports).toBeUndefined();
  });

  it('asks for one certificate for every name the proxy serves, from the settings', () => {
    expect(acme().env).toEqual([
      'ACME_DOMAINS=www.example.com example.com admin.example.com',
      'ACME_EMAIL=webmaster@example.com',
      'ACME_DIRECTORY=https://acme-v02.api.letsencrypt.org/directory',
      'ACME_CERT_NAME=blog',
      'ACME_CONFIG_DIR=/etc/letsencrypt',
      'ACME_WEBROOT=/var/www/acme',
    ]);
  });

  it('keeps its account and certificates on a host path, and writes challenges into a volume the proxy serves', () => {
    expect(acme().volumes).toEqual([{ host_path: '/var/lib/ghost-letsencrypt', container_path: '/etc/letsencrypt', read_only: false }]);
    expect(acme().mounts).toEqual([{ type: 'volume', source: '${docker_volume.acme-challenges.name}', target: '/var/www/acme', read_only: false }]);
    expect(text(json)).toHaveResourceWithProperties(Volume, { name: 'ghost-blog-acme-challenges' });
  });

  it('reaches the CA on a network of its own, holds no Docker socket, and starts after the proxy', () => {
    expect(acme().networks_advanced).toEqual([{ name: '${docker_network.acme-network.name}' }]);
    expect(text(json)).toHaveResourceWithProperties(Network, { name: 'ghost-blog-acme', driver: 'bridge' });
    expect(JSON.stringify(acme())).not.toMatch(/docker\.sock/);
    expect(acme().depends_on).toEqual(['docker_container.proxy']);
  });

  it('asks for the external account binding HMAC key as a sensitive variable, when a key id is set', () => {
    const eab = synthBlogHost({ tls: { acme: { directory: 'https://acme.example.net/dir', externalAccountBinding: { keyId: 'kid-1' } } } }).json;
    expect(resourceNamed(eab, 'docker_container', 'certbot').env).toEqual(expect.arrayContaining(['ACME_EAB_KID=kid-1', 'ACME_EAB_HMAC_KEY=${var.acme_eab_hmac_key}']));
    expect(eab.variable.acme_eab_hmac_key).toMatchObject({ type: 'string', sensitive: true, nullable: false });
    expect(json.variable.acme_eab_hmac_key).toBeUndefined();
  });

  it('has no ACME client when you bring your own certificate', () => {
    const own = synthBlogHost({ tls: { certificatePath: '/srv/tls/fullchain.pem', keyPath: '/srv/tls/privkey.pem' } });
    expect(own.stack.acme).toBeUndefined();
    expect(Object.values(own.json.resource.docker_container).map((c) => c.name).sort()).toEqual(['backup', 'ghost', 'mysql', 'proxy']);
    expect(Object.values(own.json.resource.docker_volume).map((v) => v.name).sort()).toEqual(['ghost-blog-backup-state', 'ghost-blog-proxy-cache']);
  });
});

describe('BlogHostStack with every setting overridden', () => {
  const { text, json } = synthBlogHost(CUSTOM_SETTINGS);

  it('matches the reviewed snapshot', () => {
    expect(text).toMatchSnapshot();
  });

  it('deploys over SSH', () => {
    expect(text).toHaveProviderWithProperties(DockerProvider, { host: 'ssh://deploy@blog.example.org' });
  });

  it('applies the container overrides', () => {
    expect(text).toHaveResourceWithProperties(Container, {
      name: 'edge', memory: 128, memory_swap: -1, restart: 'unless-stopped',
      log_opts: { 'max-size': '20m', 'max-file': '5' },
    });
    // Swap not given: twice the memory, Docker's own default made explicit.
    expect(text).toHaveResourceWithProperties(Container, { name: 'blog', memory: 1024, memory_swap: 2048, log_opts: { 'max-size': '5m', 'max-file': '3' } });
    expect(text).toHaveResourceWithProperties(Container, { name: 'db', memory: 768, memory_swap: 1024 });
  });

  it('publishes the overridden ports', () => {
    expect(resourceNamed(json, 'docker_container', 'edge').ports).toEqual([
      { internal: 80, external: 8080, protocol: 'tcp' },
      { internal: 443, external: 8443, protocol: 'tcp' },
    ]);
  });

  it('names networks after the stack and mounts the overridden paths', () => {
    expect(text).toHaveResourceWithProperties(Network, { name: 'myblog-frontend' });
    expect(text).toHaveResourceWithProperties(Network, { name: 'myblog-backend', internal: true });
    expect(resourceNamed(json, 'docker_container', 'blog').volumes[0].host_path).toBe('/srv/ghost/content');
    expect(resourceNamed(json, 'docker_container', 'db').volumes[0].host_path).toBe('/srv/ghost/mysql');
    expect(resourceNamed(json, 'docker_container', 'edge').mounts.map((m: { source: string }) => m.source)).toEqual([
      '${docker_volume.proxy-cache.name}',
      '/srv/tls/example.org/fullchain.pem',
      '/srv/tls/example.org/privkey.pem',
    ]);
  });

  it('passes the site, admin, database and mail settings to Ghost and MySQL', () => {
    expect(resourceNamed(json, 'docker_container', 'blog').env).toEqual(expect.arrayContaining([
      'url=https://blog.example.org',
      'admin__url=https://admin.example.org',
      'database__connection__database=blog',
      'database__connection__user=blogger',
      'mail__options__host=smtp.mailer.example',
      'mail__options__port=465',
      'mail__options__secure=true',
      'mail__from=Blog <blog@example.org>',
      'mail__options__auth__pass=${var.smtp_password}',
    ]));
    expect(json.variable.smtp_password).toMatchObject({ type: 'string', sensitive: true, nullable: false });
    // Mail is configured, so Ghost keeps verifying new staff devices by mail.
    expect(resourceNamed(json, 'docker_container', 'blog').env).not.toContain('security__staffDeviceVerification=false');
    expect(resourceNamed(json, 'docker_container', 'db').env).toEqual(expect.arrayContaining(['MYSQL_DATABASE=blog', 'MYSQL_USER=blogger']));
  });

  it('builds the blog image for the configured time zone', () => {
    const blogImage = Object.values(json.resource.docker_image).find((i) => i.name.startsWith('myblog/blog:'));
    expect(blogImage.build.build_args.TZ).toBe('Europe/Paris');
  });

  it('outputs the overridden URLs and names', () => {
    expect(json.output.site_url.value).toBe('https://blog.example.org');
    expect(json.output.redirect_urls.value).toEqual(['https://example.org', 'https://www.example.org']);
    expect(json.output.admin_url.value).toBe('https://admin.example.org/ghost/');
    expect(json.output.container_names.value).toEqual({ proxy: 'edge', ghost: 'blog', mysql: 'db', backup: 'restic' });
  });
});

describe('BlogHostStack without TLS or mail', () => {
  const { json } = synthBlogHost({ siteUrl: 'http://www.example.com', tls: { enabled: false }, mail: false });

  it('publishes only port 80 and mounts no certificate', () => {
    const proxy = resourceNamed(json, 'docker_container', 'proxy');
    expect(proxy.ports).toEqual([{ internal: 80, external: 80, protocol: 'tcp' }]);
    expect(proxy.mounts).toEqual([{ type: 'volume', source: '${docker_volume.proxy-cache.name}', target: '/var/cache/nginx', read_only: false }]);
    expect(proxy.volumes).toBeUndefined();
  });

  it('sends no mail settings, asks for no SMTP password, and lets the owner sign in without a mailed code', () => {
    const env: string[] = resourceNamed(json, 'docker_container', 'ghost').env;
    expect(env.filter((line) => line.startsWith('mail__'))).toEqual([]);
    expect(env).toContain('security__staffDeviceVerification=false');
    expect(json.variable.smtp_password).toBeUndefined();
    expect(json.output.redirect_urls.value).toEqual(['http://example.com']);
  });
});
