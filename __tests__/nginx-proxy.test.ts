import { Volume } from '@cdktf/provider-docker/lib/volume';
import * as fs from 'fs';
import * as path from 'path';
import { NginxProxy } from '../constructs/nginx-proxy';
import { CONTAINER_LAYOUT, PROXY_ASSET_DIR, proxyConfigOptions, resolveStaticRoot } from '../core/proxy-options';
import { constructFixture } from '../test-support/construct-fixtures';
import { copyToTemp, resourceNamed, synthBlogHost } from '../test-support/synth';

describe('NginxProxy', () => {
  it('writes the rendered configuration into the image build context', () => {
    const { stack } = synthBlogHost();
    expect(Object.keys(stack.proxy.renderedConfig)).toContain('nginx.conf');
    expect(stack.proxy.renderedConfig['nginx.conf']).toContain('include /etc/nginx/sites/*.conf;');
  });

  it('rebuilds only the proxy image when a setting changes its configuration', () => {
    const before = synthBlogHost();
    const after = synthBlogHost({ proxy: { cacheValidTime: '10m' } });
    expect(after.stack.proxy.image.imageName).not.toBe(before.stack.proxy.image.imageName);
    expect(after.stack.ghost.image.imageName).toBe(before.stack.ghost.image.imageName);
    expect(after.json.resource.docker_container).toEqual(before.json.resource.docker_container);
  });

  it("is the only container to publish ports, and mounts certbot's folder and the challenges read-only", () => {
    const { json } = synthBlogHost();
    const proxy = resourceNamed(json, 'docker_container', 'proxy');
    expect(proxy.ports).toHaveLength(2);
    expect(proxy.volumes).toEqual([{ host_path: '/var/lib/ghost-letsencrypt', container_path: '/etc/letsencrypt', read_only: true }]);
    expect(proxy.mounts).toEqual([
      // The page cache and NGINX's temporary files: on disk, writable, under a read-only root.
      { type: 'volume', source: '${docker_volume.proxy-cache.name}', target: '/var/cache/nginx', read_only: false },
      { type: 'volume', source: '${docker_volume.acme-challenges.name}', target: '/var/www/acme', read_only: true },
    ]);
  });

  it('mounts your own certificate and a webroot read-only when you bring them', () => {
    const { stack } = synthBlogHost({ tls: { certificatePath: '/srv/tls/fullchain.pem', keyPath: '/srv/tls/privkey.pem', acmeWebroot: '/var/lib/letsencrypt-webroot' } });
    expect(stack.proxy.service.container.mounts.internalValue).toEqual([
      { type: 'volume', source: expect.any(String), target: '/var/cache/nginx', readOnly: false },
      { type: 'bind', source: '/srv/tls/fullchain.pem', target: '/etc/nginx/tls-source/fullchain.pem', readOnly: true },
      { type: 'bind', source: '/srv/tls/privkey.pem', target: '/etc/nginx/tls-source/privkey.pem', readOnly: true },
      { type: 'bind', source: '/var/lib/letsencrypt-webroot', target: '/var/www/acme', readOnly: true },
    ]);
    expect(stack.proxy.renderedConfig['sites/10-www.example.com.conf']).toContain('root /var/www/acme;');
  });

  it('refuses mode "acme" without the volume the client writes challenges into', () => {
    const { stack, settings, frontend } = constructFixture();
    expect(() => new NginxProxy(stack, 'proxy', {
      stackName: 's', cacheVolume: new Volume(stack, 'proxy-cache', { name: 'proxy-cache' }), container: settings.proxy, tls: settings.tls, ports: settings.ports, frontend,
      configuration: proxyConfigOptions({ settings, layout: CONTAINER_LAYOUT }),
    })).toThrow(/in mode "acme" the challenge volume the ACME client writes into is required/);
  });

  describe('static root', () => {
    it.each([
      ['a folder outside the assets', '../blog'],
      ['a missing folder', 'public'],
      ['a file', 'Dockerfile'],
    ])('refuses %s', (_what, staticRoot) => {
      const { stack, settings, frontend } = constructFixture({ proxy: { staticRoot }, tls: { certificatePath: '/srv/c.pem', keyPath: '/srv/k.pem' } });
      expect(() => new NginxProxy(stack, 'proxy', {
        stackName: 's', cacheVolume: new Volume(stack, 'proxy-cache', { name: 'proxy-cache' }), container: settings.proxy, tls: settings.tls, ports: settings.ports, frontend,
        configuration: proxyConfigOptions({ settings, layout: CONTAINER_LAYOUT }),
      }))
        .toThrow(new RegExp(`proxy\\.staticRoot: got "${staticRoot.replace(/[./]/g, '\\$&')}"; expected a folder inside`));
    });

    it('refuses an absolute path in the settings already', () => {
      expect(() => constructFixture({ proxy: { staticRoot: '/usr/share/nginx/html' } }))
        .toThrow(/proxy\.staticRoot: got "\/usr\/share\/nginx\/html"; expected a folder inside assets\/proxy\//);
    });

    it('accepts another folder of the assets and copies it into the image', () => {
      const assets = copyToTemp(PROXY_ASSET_DIR);
      try {
        fs.mkdirSync(path.join(assets, 'site'));
        fs.writeFileSync(path.join(assets, 'site', 'index.html'), '<p>hello</p>');
        expect(resolveStaticRoot(assets, 'site')).toBe('site');
        const { json } = synthBlogHost({ proxy: { staticRoot: 'site' }, assetDirs: { proxy: assets } });
        const image = Object.values(json.resource.docker_image).find((i) => i.name.startsWith('ghost-blog/proxy:'));
        expect(image.build.build_args.STATIC_ROOT).toBe('site');
      } finally {
        fs.rmSync(assets, { recursive: true, force: true });
      }
    });
  });
});
