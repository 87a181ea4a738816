import { NginxTarget, ProxyConfigOptions, renderNginxConfig } from '../core/nginx-config';
import { CONTAINER_LAYOUT, proxyConfigOptions } from '../core/proxy-options';
import { resolveBlogSettings } from '../core/settings';
import { BlogHostSettings } from '../core/settings-schema';
import { NGINX_IMAGE_OPENSSL_VERSION, NGINX_VERSION } from '../core/versions';

function options(settings: BlogHostSettings = {}, target?: NginxTarget): ProxyConfigOptions {
  return proxyConfigOptions({ settings: resolveBlogSettings(settings), layout: CONTAINER_LAYOUT, target });
}

function render(settings: BlogHostSettings = {}, target?: NginxTarget): Record<string, string> {
  return { ...renderNginxConfig(options(settings, target)) };
}

function all(files: Record<string, string>): string {
  return Object.values(files).join('\n');
}

describe('renderNginxConfig', () => {
  it('renders the default sites for the pinned NGINX as reviewed', () => {
    const files = render();
    expect(Object.keys(files)).toEqual(['nginx.conf', 'sites/00-default.conf', 'proxy-watch.env', 'errors/ghost-unavailable.html', 'sites/10-www.example.com.conf', 'sites/11-example.com.conf']);
    expect(files).toMatchSnapshot();
  });

  it('targets the NGINX and OpenSSL of the pinned image by default', () => {
    expect(render()['nginx.conf']).toContain(`# Generated for NGINX ${NGINX_VERSION} with OpenSSL ${NGINX_IMAGE_OPENSSL_VERSION}.`);
  });

  describe('TLS after Mozilla guideline 6.0', () => {
    it('uses the intermediate profile by default: TLS 1.2 and 1.3, ECDHE with AEAD, client order, no DHE', () => {
      const main = render()['nginx.conf'];
      expect(main).toContain('ssl_protocols TLSv1.2 TLSv1.3;');
      expect(main).toContain('ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;');
      expect(main).toContain('ssl_prefer_server_ciphers off;');
      expect(main).toContain('ssl_session_cache shared:MozSSL:10m;');
      expect(main).toContain('ssl_session_timeout 1d;');
      expect(main).not.toMatch(/dhparam|(^|:| )DHE-|-SHA[:;]|TLSv1 |TLSv1\.1/);
    });

    it('uses TLS 1.3 alone for the modern profile', () => {
      const main = render({ tls: { profile: 'modern' } })['nginx.conf'];
      expect(main).toContain('ssl_protocols TLSv1.3;');
      expect(main).not.toContain('ssl_ciphers');
    });

    it('offers the post-quantum hybrid group only where OpenSSL has it', () => {
      expect(render({}, { nginx: NGINX_VERSION, openssl: '3.5.0' })['nginx.conf']).toContain('ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1:secp384r1;');
      expect(render({}, { nginx: NGINX_VERSION, openssl: '3.0.13' })['nginx.conf']).toContain('ssl_ecdh_curve X25519:prime256v1:secp384r1;');
    });

    it('turns session tickets off only before NGINX 1.23.2, which rotates ticket keys', () => {
      expect(render({}, { nginx: '1.22.1', openssl: '3.0.0' })['nginx.conf']).toContain('ssl_session_tickets off;');
      expect(render({}, { nginx: '1.23.2', openssl: '3.0.0' })['nginx.conf']).not.toContain('ssl_session_tickets');
    });

    it('staples OCSP only when asked', () => {
      expect(render()['nginx.conf']).not.toContain('ssl_stapling');
      expect(render({ tls: { ocspStapling: true } })['nginx.conf']).toContain('ssl_stapling on;\n    ssl_stapling_verify on;');
    });

    it("points every site at the watcher's copy of the certificate and key", () => {
      for (const site of ['sites/10-www.example.com.conf', 'sites/11-example.com.conf']) {
        expect(render()[site]).toContain('ssl_certificate /run/proxy/tls/fullchain.pem;\n    ssl_certificate_key /run/proxy/tls/privkey.pem;');
      }
    });

    it('refuses unknown SNI names in the handshake', () => {
      expect(render()['sites/00-default.conf']).toMatch(/listen 443 ssl default_server;\n\s+http2 on;\n\s+server_name _;\n[^}]*ssl_reject_handshake on;\n\s+return 444;/);
    });
  });

  describe('certificates', () => {
    const OWN = { certificatePath: '/srv/tls/fullchain.pem', keyPath: '/srv/tls/privkey.pem' };

    it("serves ACME challenges on plain HTTP for the stack's own client, from the challenge volume", () => {
      const files = render();
      for (const site of ['sites/10-www.example.com.conf', 'sites/11-example.com.conf']) {
        expect(files[site]).toMatch(/listen 80;\n\s+server_name [^;]+;\n[^]*location \^~ \/\.well-known\/acme-challenge\/ \{\n\s+root \/var\/www\/acme;/);
      }
      expect(files['proxy-watch.env']).toContain('PROXY_TLS_SOURCE_CERT=/etc/letsencrypt/live/blog/fullchain.pem\nPROXY_TLS_SOURCE_KEY=/etc/letsencrypt/live/blog/privkey.pem\n');
      expect(files['proxy-watch.env']).toContain('PROXY_TLS_NAMES="www.example.com example.com"');
    });

    it('serves challenges with your own certificate only when a webroot is set, and watches your files', () => {
      expect(all(render({ tls: OWN }))).not.toContain('acme-challenge');
      const files = render({ tls: { ...OWN, acmeWebroot: '/var/lib/letsencrypt-webroot' } });
      expect(files['sites/10-www.example.com.conf']).toContain('location ^~ /.well-known/acme-challenge/ {\n        root /var/www/acme;');
      expect(files['proxy-watch.env']).toContain('PROXY_TLS_SOURCE_CERT=/etc/nginx/tls-source/fullchain.pem\nPROXY_TLS_SOURCE_KEY=/etc/nginx/tls-source/privkey.pem\n');
    });

    it('watches no certificate with TLS off', () => {
      expect(render({ tls: { enabled: false }, siteUrl: 'http://www.example.com' })['proxy-watch.env']).not.toContain('PROXY_TLS');
    });
  });

  describe('HSTS and headers', () => {
    it('sends two years of HSTS with subdomains, preload only when asked', () => {
      expect(render()['sites/10-www.example.com.conf']).toContain('add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;');
      expect(render({ tls: { hstsPreload: true } })['sites/10-www.example.com.conf']).toContain('"max-age=63072000; includeSubDomains; preload"');
    });

    it('lets a separate admin domain frame the blog', () => {
      const files = render({ adminDomain: 'admin.example.com' });
      expect(files['sites/10-www.example.com.conf']).toContain(`add_header Content-Security-Policy "frame-ancestors 'self' https://admin.example.com" always;`);
      expect(files['sites/12-admin.example.com.conf']).toContain(`frame-ancestors 'self'" always;`);
      expect(files['sites/12-admin.example.com.conf']).toMatch(/location \/ \{\n\s+if \(\$cross_site_request\)[^]*proxy_pass http:\/\/\$ghost_route;/);
    });

    it('sends no HSTS and no HTTPS listener with TLS off', () => {
      const files = render({ tls: { enabled: false } });
      expect(all(files)).not.toMatch(/Strict-Transport-Security|listen 443|\bssl_/);
      expect(files['sites/10-www.example.com.conf']).toMatch(/server \{\n\s+listen 80;\n\s+server_name www\.example\.com;/);
      expect(files['sites/11-example.com.conf']).toContain('return 301 http://www.example.com$request_uri;');
    });
  });

  describe('the Ghost upstream', () => {
    it('re-resolves the alias with `resolve` and keeps connections alive from NGINX 1.27.3', () => {
      const files = render({}, { nginx: '1.27.3', openssl: '3.0.0' });
      expect(files['nginx.conf']).toMatch(/upstream ghost_backend \{\n\s+zone ghost_backend 64k;\n\s+server ghost:2368 resolve;\n\s+keepalive 16;/);
      expect(files['nginx.conf']).toContain('resolver 127.0.0.11 valid=10s ipv6=off;');
      // Private requests straight to the group; cacheable ones through the miss limiter, which uses it too.
      expect(files['nginx.conf']).toMatch(/map "\$ghost_private_path\$ghost_signed_in" \$ghost_route \{\n\s+default ghost_miss_limiter;\n\s+"~1" ghost_backend;/);
      expect(files['nginx.conf']).toMatch(/listen unix:\/run\/proxy\/ghost-misses\.sock;[^]*limit_req zone=ghost_misses burst=\d+ nodelay;[^]*proxy_pass http:\/\/ghost_backend;/);
      expect(files['sites/10-www.example.com.conf']).toContain('proxy_pass http://$ghost_route;');
    });

    it('re-resolves through a variable before 1.27.3', () => {
      const files = render({}, { nginx: '1.27.2', openssl: '3.0.0' });
      expect(files['nginx.conf']).not.toContain('upstream ghost_backend');
      expect(files['nginx.conf']).toMatch(/"~1" ghost:2368;/);
      expect(files['nginx.conf']).toContain('set $ghost_upstream ghost:2368;\n            proxy_pass http://$ghost_upstream;');
    });

    it('writes `http2 on;` from 1.25.1 and the listen flag before', () => {
      expect(render({}, { nginx: '1.25.1', openssl: '3.0.0' })['sites/10-www.example.com.conf']).toContain('listen 443 ssl;\n    http2 on;');
      expect(render({}, { nginx: '1.25.0', openssl: '3.0.0' })['sites/10-www.example.com.conf']).toContain('listen 443 ssl http2;');
    });

    it('caches anonymous pages for the configured time and bypasses admin, members and sessions', () => {
      const files = render({ proxy: { cacheValidTime: '5m' } });
      expect(files['sites/10-www.example.com.conf']).toContain('proxy_cache_valid 200 301 302 5m;');
      expect(files['nginx.conf']).toMatch(/map \$uri \$ghost_private_path \{[^}]*~\*\^\/ghost\(\/\|\$\) 1;[^}]*~\*\^\/members\(\/\|\$\) 1;/);
      expect(files['nginx.conf']).toMatch(/map \$http_cookie \$ghost_signed_in \{[^}]*ghost-admin-api-session 1;[^}]*ghost-members-ssr 1;/);
    });

    it('writes an unlimited upload size the way NGINX spells it', () => {
      expect(render({ proxy: { clientMaxBodySize: 'unlimited' } })['nginx.conf']).toContain('client_max_body_size 0;');
      expect(render({ proxy: { clientMaxBodySize: '2g' }, ghost: { memoryMb: 3072 } })['nginx.conf']).toContain('client_max_body_size 2g;');
    });

    it('sends the social web to the configured ActivityPub service', () => {
      expect(render({ proxy: { activityPubUpstream: 'http://activitypub:8080' } })['sites/10-www.example.com.conf']).toContain('set $activitypub_upstream http://activitypub:8080;');
    });
  });

  describe("Ghost's answers", () => {
    const site = () => render()['sites/10-www.example.com.conf'];

    it('hides what Ghost sends that the proxy sends itself or no client should see', () => {
      for (const header of ['X-Content-Type-Options', 'Vary', 'X-Powered-By', 'X-Cache-Invalidate']) {
        expect(site()).toContain(`proxy_hide_header ${header};`);
      }
      expect(site()).toContain('add_header Vary $ghost_vary always;');
    });

    it('keeps one cached copy whatever Vary says, and copies of one generation', () => {
      expect(site()).toContain('proxy_ignore_headers Cache-Control Expires Vary;');
      expect(site()).toContain('proxy_cache_key $ghost_cache_generation$scheme$host$request_uri;');
      expect(render()['nginx.conf']).toContain('include /run/proxy/cache-generation.conf;');
      expect(render()['nginx.conf']).toContain('access_log /run/proxy/cache-invalidations.log ghost_invalidations if=$ghost_invalidates;');
    });

    it('serves stale copies while Ghost fails or one request refreshes them, never refreshing in the background', () => {
      expect(site()).toContain('proxy_cache_use_stale error timeout updating http_429 http_500 http_502 http_503 http_504;');
      expect(site()).not.toMatch(/proxy_cache_background_update/);
    });

    it('tells the watcher where the state is, and says so when Ghost is down', () => {
      expect(render()['proxy-watch.env']).toMatch(new RegExp(
        '^# Where the running proxy keeps its state; read by proxy-watch\\.sh\\. Generated with the configuration\\.\\n'
        + 'PROXY_STATE_DIR=/run/proxy\\nPROXY_CACHE_GENERATION=/run/proxy/cache-generation\\.conf\\nPROXY_CACHE_INVALIDATIONS=/run/proxy/cache-invalidations\\.log\\n',
      ));
      expect(site()).toMatch(/error_page 502 504 @ghost_unavailable;[^]*location @ghost_unavailable \{\n\s+root \/etc\/nginx;\n\s+try_files \/errors\/ghost-unavailable\.html =502;/);
      expect(render()['errors/ghost-unavailable.html']).toContain('Back in a moment');
    });
  });

  describe('bad input', () => {
    const base = options();
    it('refuses a site without a certificate while TLS is on', () => {
      expect(() => renderNginxConfig({ ...base, sites: [{ role: 'blog', hostNames: ['www.example.com'] }] }))
        .toThrow(/sites\[0\]\.certificate: got nothing; TLS is on, so site "www\.example\.com" needs a certificate and key/);
    });

    it('refuses an unknown TLS profile', () => {
      expect(() => renderNginxConfig({ ...base, tls: { ...base.tls, profile: 'old' as never } })).toThrow(/tls\.profile: got "old"; expected one of "intermediate", "modern"/);
    });

    it('refuses a cache time that is not a duration', () => {
      expect(() => renderNginxConfig({ ...base, cacheValidTime: '1 minute' })).toThrow(/proxy\.cacheValidTime: got "1 minute"; expected an NGINX time/);
    });

    it('refuses an NGINX too old for the renderer', () => {
      expect(() => renderNginxConfig({ ...base, target: { nginx: '1.18.0', openssl: '1.1.1' } })).toThrow(/target\.nginx: got "1\.18\.0"; the renderer supports NGINX 1\.22\.0 or newer/);
      expect(() => renderNginxConfig({ ...base, target: { nginx: 'latest', openssl: '3.0' } })).toThrow(/target\.nginx: got "latest"; expected a release number/);
      expect(() => renderNginxConfig({ ...base, target: { nginx: '1.30.5', openssl: 'three' } })).toThrow(/target\.openssl: got "three"; expected a release number/);
      expect(() => renderNginxConfig({ ...base, ghost: { ...base.ghost, port: 70000 } })).toThrow(/ghost\.port: got 70000; expected/);
    });

    it('refuses two sites claiming one host name', () => {
      const certificate = { certificateFile: '/c', keyFile: '/k' };
      expect(() => renderNginxConfig({ ...base, sites: [
        { role: 'blog', hostNames: ['www.example.com'], certificate },
        { role: 'redirect', hostNames: ['example.com', 'www.example.com'], certificate },
      ] })).toThrow(/sites\[\]\.hostNames: got "www\.example\.com"; each host name may be used by one site only/);
    });

    it('refuses sites without exactly one blog', () => {
      const certificate = { certificateFile: '/c', keyFile: '/k' };
      expect(() => renderNginxConfig({ ...base, sites: [{ role: 'redirect', hostNames: ['example.com'], certificate }] })).toThrow(/exactly one site must have the role "blog"/);
    });

    it('refuses an ActivityPub upstream with a path', () => {
      expect(() => renderNginxConfig({ ...base, activityPubUpstream: 'https://ap.ghost.org/x' })).toThrow(/proxy\.activityPubUpstream: got "https:\/\/ap\.ghost\.org\/x"; expected http:\/\/ or https:\/\/, a lower-case host name or IPv4 address and an optional port, and nothing else/);
    });
  });
});
