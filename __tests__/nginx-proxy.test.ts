import * as fs from 'fs';
import * as path from 'path';
import { NginxProxy } from '../constructs/nginx-proxy';
import { CONTAINER_LAYOUT, PROXY_ASSET_DIR, proxyConfigOptions, resolveStaticRoot } from '../core/proxy-options';
import { constructFixture } from '../test-support/construct-fixtures';
import { copyToTemp, synthBlogHost } from '../test-support/synth';

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

  it('is the only container to publish ports, and mounts nothing writable', () => {
    const { stack } = synthBlogHost();
    expect(stack.proxy.service.container.ports.internalValue).toHaveLength(2);
    expect(stack.proxy.service.container.volumes.internalValue).toBeUndefined();
  });

  it('mounts the ACME webroot read-only when one is set', () => {
    const { stack } = synthBlogHost({ tls: { acmeWebroot: '/var/lib/letsencrypt-webroot' } });
    expect(stack.proxy.service.container.mounts.internalValue).toContainEqual({ type: 'bind', source: '/var/lib/letsencrypt-webroot', target: '/var/www/acme', readOnly: true });
    expect(stack.proxy.renderedConfig['sites/10-www.example.com.conf']).toContain('root /var/www/acme;');
  });

  describe('static root', () => {
    it.each([
      ['a folder outside the assets', '../blog'],
      ['a missing folder', 'public'],
      ['a file', 'Dockerfile'],
    ])('refuses %s', (_what, staticRoot) => {
      const { stack, settings, frontend } = constructFixture({ proxy: { staticRoot } });
      expect(() => new NginxProxy(stack, 'proxy', {
        stackName: 's', container: settings.proxy, tls: settings.tls, ports: settings.ports, frontend,
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
