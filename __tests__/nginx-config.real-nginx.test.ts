import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { justifiedCapabilities } from '../core/confinement';
import { atLeast, NGINX_FEATURES, OPENSSL_MLKEM, parseVersion } from '../core/nginx-version';
import { confinedCommand, findLocalNginxes, LocalNginx, nginxLabel, RunningPreview, startPreview } from '../tools/nginx-harness';
import { ask, handshake, headerCount } from '../test-support/http-client';
import { commandExists, describeWhenAvailable } from '../test-support/required-tools';
import { StandInServer } from '../tools/stand-in-server';

/**
 * The generated configuration on a real NGINX, on loopback, with stand-ins for Ghost, the
 * ActivityPub service and Docker's DNS: real requests, real TLS. It runs on every NGINX that
 * `findLocalNginxes()` finds: the machine's, or each build listed in $NGINX_BIN (CI lists
 * Debian 12's 1.22 and Debian testing's build of the image's version).
 */
const BLOG = 'www.example.com';
const APEX = 'example.com';
/** Confinement needs root (as the container's master runs), unshare and setpriv. */
const CONFINED = process.getuid?.() === 0 && commandExists('setpriv') && commandExists('unshare');

function generatedConfigurationOn(nginx: LocalNginx): void {
  // Two Ghost stand-ins on one port at two loopback addresses: "ghost" moves between them.
  const ghostA = new StandInServer({ host: '127.0.0.2', name: 'ghost-a' });
  let ghostB: StandInServer;
  const activityPub = new StandInServer({ host: '127.0.0.4', name: 'activitypub' });
  let preview: RunningPreview;
  // What certbot's webroot method would have written for a renewal in progress.
  const acmeWebroot = fs.mkdtempSync(path.join(os.tmpdir(), 'acme-'));
  fs.chmodSync(acmeWebroot, 0o755);
  fs.mkdirSync(path.join(acmeWebroot, '.well-known', 'acme-challenge'), { recursive: true });
  fs.writeFileSync(path.join(acmeWebroot, '.well-known', 'acme-challenge', 'token-123'), 'token-123.thumbprint');

  beforeAll(async () => {
    await ghostA.start();
    ghostB = new StandInServer({ host: '127.0.0.3', port: ghostA.port, name: 'ghost-b' });
    await ghostB.start();
    await activityPub.start();
    preview = await startPreview({
      nginx,
      // The default cache time: a HIT stays a HIT however slowly the machine runs. The tests
      // that need pages to expire run on a preview of their own (cacheExpiryOn).
      settings: { tls: { certificatePath: '/srv/tls/fullchain.pem', keyPath: '/srv/tls/privkey.pem', acmeWebroot } },
      upstream: { host: ghostA.host, port: ghostA.port },
      activityPub: { host: activityPub.host, port: activityPub.port },
      resolverValidSeconds: 1,
      // Confined as in its container: read-only root, only the proxy's capabilities.
      capabilities: CONFINED ? justifiedCapabilities('proxy') : undefined,
    });
  }, 30_000);

  afterAll(async () => {
    await preview?.stop();
    await Promise.all([ghostA.stop(), ghostB?.stop(), activityPub.stop()]);
    fs.rmSync(acmeWebroot, { recursive: true, force: true });
  });

  it("names NGINX's own processes, master first, for the benchmarks' readings", () => {
    const [master, ...children] = preview.pids();
    const commandLine = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    expect(String(master)).toBe(fs.readFileSync(path.join(preview.prefix, 'logs', 'nginx.pid'), 'utf8').trim());
    // Workers retitle themselves (after the loader's path, for a build run through ld.so).
    expect(children.map(commandLine).filter((c) => c.includes('nginx: worker process')).length).toBeGreaterThanOrEqual(1);
  });

  it('passes nginx -t for the NGINX on this machine', () => {
    const result = spawnSync(preview.nginx.binary, ['-t', '-p', preview.prefix, '-c', path.join(preview.prefix, 'conf', 'nginx.conf'), '-e', preview.errorLog], { encoding: 'utf8' });
    expect(result.stderr).toMatch(/syntax is ok/);
    expect(result.status).toBe(0);
    expect(preview.files['nginx.conf']).toContain(`# Generated for NGINX ${preview.nginx.version}`);
  });

  it('uses the directive forms this NGINX version takes', () => {
    const version = parseVersion('nginx -V', nginx.version);
    const allFiles = Object.values(preview.files).join('\n');
    const upstreamResolve = /^\s*server ghost:\d+ resolve;$/m;
    const http2Directive = /^\s*http2 on;$/m;
    if (atLeast(version, NGINX_FEATURES.upstreamResolve)) {
      expect(preview.files['nginx.conf']).toMatch(upstreamResolve);
    } else {
      expect(preview.files['nginx.conf']).not.toMatch(upstreamResolve);
    }
    if (atLeast(version, NGINX_FEATURES.http2Directive)) {
      expect(allFiles).toMatch(http2Directive);
    } else {
      expect(allFiles).not.toMatch(http2Directive);
      expect(allFiles).toMatch(/^\s*listen \S+ ssl http2\b/m);
    }
    // NGINX refuses to start on a group its OpenSSL does not know, so running proves it accepted.
    const postQuantum = /^\s*ssl_ecdh_curve X25519MLKEM768:/m;
    if (atLeast(parseVersion('nginx -V', nginx.openssl), OPENSSL_MLKEM)) {
      expect(preview.files['nginx.conf']).toMatch(postQuantum);
    } else {
      expect(preview.files['nginx.conf']).not.toMatch(postQuantum);
    }
  });

  describe('redirects', () => {
    it.each([BLOG, APEX])('sends http://%s permanently to HTTPS on the same host, keeping path and query', async (host) => {
      const answer = await ask(preview, { scheme: 'http', host, path: '/a/b?c=1&d=2' });
      expect(answer.status).toBe(301);
      expect(answer.headers.location).toBe(`https://${host}/a/b?c=1&d=2`);
      expect(answer.headers['strict-transport-security']).toBeUndefined();
    });

    it.each([BLOG, APEX])('answers ACME challenges for %s over plain HTTP instead of redirecting', async (host) => {
      const answer = await ask(preview, { scheme: 'http', host, path: '/.well-known/acme-challenge/token-123' });
      expect(answer.status).toBe(200);
      expect(answer.body.toString()).toBe('token-123.thumbprint');
      expect((await ask(preview, { scheme: 'http', host, path: '/.well-known/acme-challenge/unknown' })).status).toBe(404);
    });

    it('sends the apex to the blog for anything that is not a static file, keeping path and query', async () => {
      const answer = await ask(preview, { host: APEX, path: '/some/post/?ref=x' });
      expect(answer.status).toBe(301);
      expect(answer.headers.location).toBe(`https://${BLOG}/some/post/?ref=x`);
    });

    it('serves static files on the apex', async () => {
      const answer = await ask(preview, { host: APEX, path: '/humans.txt' });
      expect(answer.status).toBe(200);
      expect(answer.body.toString()).toContain('static file');
    });
  });

  describe('headers', () => {
    it('sends HSTS and the security headers on HTTPS', async () => {
      const answer = await ask(preview, { host: BLOG, path: '/humans.txt' });
      expect(answer.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
      expect(answer.headers['content-security-policy']).toBe("frame-ancestors 'self'");
      expect(answer.headers.server).toBe('nginx');
    });

    it('keeps them on proxied and redirected responses', async () => {
      for (const [host, route] of [[BLOG, '/headers-on-ghost'], [APEX, '/to-blog']]) {
        const answer = await ask(preview, { host, path: route });
        expect(answer.headers['strict-transport-security']).toMatch(/^max-age=63072000/);
        expect(answer.headers['content-security-policy']).toBe("frame-ancestors 'self'");
      }
    });
  });

  describe('static files and Ghost', () => {
    it('serves a static file without asking Ghost', async () => {
      const before = ghostA.requests.length;
      const answer = await ask(preview, { host: BLOG, path: '/humans.txt' });
      expect(answer.status).toBe(200);
      expect(answer.body.toString()).toBe(fs.readFileSync(path.join(__dirname, '..', 'assets', 'proxy', 'html', 'humans.txt'), 'utf8'));
      expect(answer.headers['x-cache-status']).toBeUndefined();
      expect(ghostA.requests.length).toBe(before);
    });

    it('passes an unknown path to Ghost with the forwarding headers it needs', async () => {
      const answer = await ask(preview, { host: BLOG, path: '/welcome/?utm=1', headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(answer.status).toBe(200);
      expect(answer.body.toString()).toContain('ghost-a answered /welcome/?utm=1');
      const seen = ghostA.lastRequest()!;
      expect(seen.headers.host).toBe(BLOG);
      expect(seen.headers['x-forwarded-proto']).toBe('https');
      expect(seen.headers['x-forwarded-host']).toBe(BLOG);
      // The client's address only, whatever the client claimed.
      expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen.headers['x-real-ip']).toBe('127.0.0.1');
      expect(seen.headers['accept-encoding']).toBeUndefined();
    });
  });

  describe('hot-link protection', () => {
    it('refuses an image to a foreign referer', async () => {
      const answer = await ask(preview, { host: BLOG, path: '/content/images/cat.jpg', headers: { referer: 'https://elsewhere.example.net/page' } });
      expect(answer.status).toBe(403);
    });

    it.each([
      ['our own blog', { referer: `https://${BLOG}/post/` }],
      ['our apex', { referer: `https://${APEX}/` }],
      ['no referer', {}],
    ])('serves an image to %s', async (_who, headers) => {
      const answer = await ask(preview, { host: BLOG, path: '/content/images/cat.png', headers });
      expect(answer.status).toBe(200);
    });
  });

  describe('unknown hosts', () => {
    it('closes plain-HTTP connections for an unknown Host without an answer', async () => {
      await expect(ask(preview, { scheme: 'http', host: 'evil.example.net', path: '/' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    });

    it('refuses the TLS handshake for an unknown SNI name', async () => {
      await expect(handshake(preview, { servername: 'evil.example.net', rejectUnauthorized: false })).rejects.toThrow(/alert|unrecognized name|handshake failure/i);
    });

    it('refuses the handshake without SNI', async () => {
      await expect(handshake(preview, { servername: '', rejectUnauthorized: false })).rejects.toThrow(/alert|unrecognized name|handshake failure/i);
    });

    it('refuses a known SNI name carrying an unknown Host', async () => {
      await expect(ask(preview, { host: 'evil.example.net', servername: BLOG, path: '/' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    });
  });

  describe('social web', () => {
    it.each([
      '/.ghost/activitypub/inbox/index',
      '/.well-known/webfinger?resource=acct:index@www.example.com',
      '/.well-known/nodeinfo',
    ])('sends %s to the ActivityPub upstream', async (route) => {
      const before = ghostA.requests.length;
      const answer = await ask(preview, { host: BLOG, path: route, headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(answer.status).toBe(200);
      expect(answer.body.toString()).toContain(`activitypub answered ${route}`);
      expect(activityPub.lastRequest()!.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(activityPub.lastRequest()!.headers['x-forwarded-host']).toBe(BLOG);
      expect(activityPub.lastRequest()!.headers['x-forwarded-proto']).toBe('https');
      expect(ghostA.requests.length).toBe(before);
    });
  });

  describe('TLS', () => {
    it('refuses TLS 1.1 (the server says so, not the client)', async () => {
      await expect(
        handshake(preview, { servername: BLOG, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
      ).rejects.toThrow(/alert protocol version|unsupported protocol|wrong version number/i);
    });

    it.each([['TLSv1.2'], ['TLSv1.3']] as const)('accepts %s', async (version) => {
      const result = await handshake(preview, { servername: BLOG, minVersion: version, maxVersion: version });
      expect(result.protocol).toBe(version);
    });

    it('offers no CBC suite on TLS 1.2', async () => {
      await expect(
        handshake(preview, { servername: BLOG, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256' }),
      ).rejects.toThrow(/handshake failure|no shared cipher/i);
    });

    it('negotiates HTTP/2', async () => {
      const result = await handshake(preview, { servername: BLOG, ALPNProtocols: ['h2', 'http/1.1'] });
      expect(result.alpn).toBe('h2');
    });
  });

  describe('compression', () => {
    it('gzips pages for same-site and direct requests, with Vary', async () => {
      const answer = await ask(preview, { host: BLOG, path: '/compressed-page', headers: { 'accept-encoding': 'gzip' } });
      expect(answer.headers['content-encoding']).toBe('gzip');
      expect(answer.headers.vary).toMatch(/Accept-Encoding/);
      expect(zlib.gunzipSync(answer.body).toString()).toContain('answered /compressed-page');
    });

    it('gzips CSS and JavaScript', async () => {
      for (const route of ['/assets/built/screen.css', '/assets/built/casper.js']) {
        const answer = await ask(preview, { host: BLOG, path: route, headers: { 'accept-encoding': 'gzip' } });
        expect(answer.headers['content-encoding']).toBe('gzip');
      }
    });

    it('leaves bodies shorter than gzip_min_length alone', async () => {
      const answer = await ask(preview, { host: BLOG, path: '/humans.txt', headers: { 'accept-encoding': 'gzip' } });
      expect(answer.body.length).toBeLessThan(256);
      expect(answer.headers['content-encoding']).toBeUndefined();
    });

    it.each([
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['a foreign Referer', { referer: 'https://google.com/' }],
    ])('answers Ghost pages uncompressed to %s (BREACH)', async (_what, headers) => {
      const answer = await ask(preview, { host: BLOG, path: '/breach-check', headers: { 'accept-encoding': 'gzip', ...headers } });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(answer.body.toString()).toContain('answered /breach-check');
    });

    it('keeps compression for same-origin navigation', async () => {
      const answer = await ask(preview, { host: BLOG, path: '/same-origin', headers: { 'accept-encoding': 'gzip', 'sec-fetch-site': 'same-origin', referer: `https://${BLOG}/` } });
      expect(answer.headers['content-encoding']).toBe('gzip');
    });
  });

  describe('page cache', () => {
    it('misses, then hits, for an anonymous page', async () => {
      const first = await ask(preview, { host: BLOG, path: '/cached-post/' });
      const second = await ask(preview, { host: BLOG, path: '/cached-post/' });
      expect(first.headers['x-cache-status']).toBe('MISS');
      expect(second.headers['x-cache-status']).toBe('HIT');
      expect(second.body.toString()).toBe(first.body.toString());
    });

    it.each(['/ghost/', '/ghost/api/admin/site/', '/members/api/member/', '/p/0f1e2d3c/', '/GHOST/', '/Ghost/api/admin/site/', '/MEMBERS/api/member/', '/P/0f1e2d3c/'])('bypasses the cache for %s', async (route) => {
      for (let i = 0; i < 2; i++) {
        const answer = await ask(preview, { host: BLOG, path: route });
        expect(answer.headers['x-cache-status']).toBe('BYPASS');
      }
    });

    it.each(['ghost-admin-api-session=s%3Aabc', 'ghost-members-ssr=abc; ghost-members-ssr.sig=def'])('bypasses the cache for a signed-in visitor (%s)', async (cookie) => {
      await ask(preview, { host: BLOG, path: '/members-page/' });
      const answer = await ask(preview, { host: BLOG, path: '/members-page/', headers: { cookie } });
      expect(answer.headers['x-cache-status']).toBe('BYPASS');
    });

    it('never stores a private response or one that sets a cookie', async () => {
      for (const route of ['/private-page', '/cookie-page']) {
        const statuses = [];
        for (let i = 0; i < 2; i++) statuses.push((await ask(preview, { host: BLOG, path: route })).headers['x-cache-status']);
        expect(statuses).toEqual(['MISS', 'MISS']);
      }
    });
  });

  describe("Ghost's headers", () => {
    it('sends Vary once, with Ghost\'s other tokens, and no X-Powered-By', async () => {
      const page = await ask(preview, { host: BLOG, path: '/vary-page/', headers: { 'accept-encoding': 'gzip' } });
      expect(headerCount(page, 'vary')).toBe(1);
      expect(page.headers.vary).toBe('Accept-Encoding');
      expect(page.headers['x-powered-by']).toBeUndefined();
      const api = await ask(preview, { host: BLOG, path: '/ghost/api/admin/site/', headers: { 'accept-encoding': 'gzip' } });
      const varies = api.rawHeaders.filter((_v, i, all) => i % 2 === 1 && all[i - 1].toLowerCase() === 'vary').flatMap((v) => v.split(/,\s*/));
      expect(varies.sort()).toEqual(['Accept-Encoding', 'Accept-Version', 'Origin']);
      expect(api.headers['x-powered-by']).toBeUndefined();
    });

    it('sends X-Content-Type-Options once on images Ghost serves', async () => {
      const image = await ask(preview, { host: BLOG, path: '/content/images/photo.png' });
      expect(image.status).toBe(200);
      expect(headerCount(image, 'x-content-type-options')).toBe(1);
    });

    it('keeps one cached copy of a page whatever the client\'s Accept-Encoding, and encodes it for each', async () => {
      const route = '/one-copy/';
      const gzip = await ask(preview, { host: BLOG, path: route, headers: { 'accept-encoding': 'gzip' } });
      const browser = await ask(preview, { host: BLOG, path: route, headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } });
      const none = await ask(preview, { host: BLOG, path: route });
      expect([gzip, browser, none].map((a) => a.headers['x-cache-status'])).toEqual(['MISS', 'HIT', 'HIT']);
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(zlib.gunzipSync(gzip.body).toString()).toBe(none.body.toString());
      expect(none.headers['content-encoding']).toBeUndefined();
      expect(none.body.toString()).toContain(`answered ${route}`);
    });
  });

  describe('cache freshness', () => {
    it('starts a new cache generation when Ghost says content changed, without restarting NGINX', async () => {
      const pid = fs.readFileSync(path.join(preview.prefix, 'logs', 'nginx.pid'), 'utf8');
      const route = '/invalidated-page/';
      await ask(preview, { host: BLOG, path: route });
      expect((await ask(preview, { host: BLOG, path: route })).headers['x-cache-status']).toBe('HIT');
      // An edit through the admin API: the stand-in answers with X-Cache-Invalidate, as Ghost does.
      const edit = await ask(preview, { host: BLOG, path: '/ghost/api/admin/posts/', method: 'POST' });
      expect(edit.headers['x-cache-invalidate']).toBeUndefined();
      let status: string | string[] | undefined = 'HIT';
      const deadline = Date.now() + 10_000;
      while (status === 'HIT' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        status = (await ask(preview, { host: BLOG, path: route })).headers['x-cache-status'];
      }
      expect(status).toBe('MISS');
      expect(fs.readFileSync(preview.watchLog, 'utf8')).toMatch(/reloaded NGINX: Ghost invalidated content; page cache generation 1/);
      expect(fs.readFileSync(path.join(preview.prefix, 'logs', 'nginx.pid'), 'utf8')).toBe(pid);
    }, 30_000);
  });

  describe('cache misses per client', () => {
    it('answers a flood of cache-busting requests from one client with 429, and still serves another', async () => {
      // Completion order, so the cache check below can take the freshest page that got through.
      const answered: number[] = [];
      const flood = await Promise.all(
        Array.from({ length: 120 }, (_v, i) =>
          ask(preview, { host: BLOG, path: `/flooded/?bust=${i}`, localAddress: '127.0.0.5' }).then((answer) => {
            answered.push(i);
            return answer;
          }),
        ),
      );
      const statuses = flood.map((a) => a.status);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(40);
      // The flooder's cached pages are still served: only misses count against it. Which
      // requests got through is up to the scheduler: ask for the last one that got through.
      const lastPassed = answered.filter((i) => statuses[i] === 200).pop();
      const cached = await ask(preview, { host: BLOG, path: `/flooded/?bust=${lastPassed}`, localAddress: '127.0.0.5' });
      expect(cached.headers['x-cache-status']).toBe('HIT');
      const other = await ask(preview, { host: BLOG, path: '/flooded/?bust=other-client', localAddress: '127.0.0.6' });
      expect(other.status).toBe(200);
    });
  });

  describe('Ghost restarting', () => {
    it('follows Ghost to a new address without reloading NGINX', async () => {
      const pid = fs.readFileSync(path.join(preview.prefix, 'logs', 'nginx.pid'), 'utf8');
      const before = await ask(preview, { host: BLOG, path: '/ghost/where-are-you' });
      expect(before.body.toString()).toContain('ghost-a answered');

      // Ghost "restarts" with a new address: Docker's DNS now answers with it.
      preview.dns.setAddress(preview.ghostAlias, ghostB.host);
      await ghostA.stop();
      // Both ways to Ghost follow it: straight (private paths) and through the miss limiter.
      const answers = ['', ''];
      const deadline = Date.now() + 15_000;
      for (let n = 0; Date.now() < deadline && !answers.every((a) => a.includes('ghost-b answered')); n++) {
        await new Promise((r) => setTimeout(r, 250));
        answers[0] = (await ask(preview, { host: BLOG, path: '/ghost/where-are-you' })).body.toString();
        answers[1] = (await ask(preview, { host: BLOG, path: `/where-are-you/?n=${n}` })).body.toString();
      }
      expect(answers[0]).toContain('ghost-b answered /ghost/where-are-you');
      expect(answers[1]).toContain('ghost-b answered /where-are-you/');
      expect(fs.readFileSync(path.join(preview.prefix, 'logs', 'nginx.pid'), 'utf8')).toBe(pid);
    }, 30_000);
  });
}

/**
 * Pages that expire: a preview with a one-second cache, so that these tests need not wait
 * long, and a Ghost stand-in of its own to stop.
 */
function cacheExpiryOn(nginx: LocalNginx): void {
  const ghost = new StandInServer({ host: '127.0.0.7', name: 'ghost' });
  let preview: RunningPreview;
  beforeAll(async () => {
    await ghost.start();
    preview = await startPreview({
      nginx,
      settings: { proxy: { cacheValidTime: '1s' } },
      upstream: { host: ghost.host, port: ghost.port },
      resolverValidSeconds: 1,
      // Confined like the main preview: stale copies are served from the cache it writes.
      capabilities: CONFINED ? justifiedCapabilities('proxy') : undefined,
    });
  }, 30_000);
  afterAll(async () => {
    await preview?.stop();
    await ghost.stop();
  });

  it('fetches an expired page again rather than serve it while Ghost is up', async () => {
    const route = '/expiring-page/';
    const first = await ask(preview, { host: BLOG, path: route });
    // Past the 1 s cache time; NGINX counts whole seconds, so wait out two.
    await new Promise((r) => setTimeout(r, 2500));
    const second = await ask(preview, { host: BLOG, path: route });
    expect(second.headers['x-cache-status']).toBe('EXPIRED');
    expect(second.body.toString()).not.toBe(first.body.toString());
  });

  it('serves stale pages while Ghost is down', async () => {
    const fresh = await ask(preview, { host: BLOG, path: '/stale-candidate/' });
    expect(fresh.status).toBe(200);
    // Past the 1 s cache time; NGINX counts whole seconds, so wait out two.
    await new Promise((r) => setTimeout(r, 2500));
    await ghost.stop();
    const stale = await ask(preview, { host: BLOG, path: '/stale-candidate/' });
    expect(stale.status).toBe(200);
    expect(stale.headers['x-cache-status']).toBe('STALE');
    expect(stale.body.toString()).toBe(fresh.body.toString());
    const uncached = await ask(preview, { host: BLOG, path: '/never-seen-before/' });
    expect(uncached.status).toBe(502);
    expect(uncached.body.toString()).toContain('The blog cannot be reached just now');
    expect(uncached.headers['strict-transport-security']).toMatch(/^max-age=63072000/);
  });

  it('keeps serving stale pages once Ghost\'s alias stops resolving, as Docker\'s DNS does for a stopped container', async () => {
    // Ghost is down (stopped by the test before, whose stale page this one asks for); now its
    // name is gone too. Past the resolver's 1 s validity, NGINX asks again and gets NXDOMAIN.
    await ghost.stop();
    preview.dns.removeAddress(preview.ghostAlias);
    const asked = preview.dns.queries.get(preview.ghostAlias) ?? 0;
    await new Promise((r) => setTimeout(r, 2500));
    const stale = await ask(preview, { host: BLOG, path: '/stale-candidate/' });
    expect(stale.status).toBe(200);
    expect(stale.headers['x-cache-status']).toBe('STALE');
    const admin = await ask(preview, { host: BLOG, path: '/ghost/after-the-name-went/' });
    expect(admin.status).toBe(502);
    expect(admin.body.toString()).toContain('The blog cannot be reached just now');
    // NGINX did ask for the name, so the answers above were given without one.
    expect(preview.dns.queries.get(preview.ghostAlias) ?? 0).toBeGreaterThan(asked);
  });
}

/**
 * The proxy's capabilities are each needed: without any one of them NGINX does not start
 * (and with them, read-only but for its state, it passes the whole suite above).
 */
function capabilitiesOn(nginx: LocalNginx): void {
  const ghost = new StandInServer({ host: '127.0.0.2', name: 'ghost' });
  beforeAll(() => ghost.start());
  afterAll(() => ghost.stop());

  it('runs read-only, with the proxy\'s capabilities only', async () => {
    const preview = await startPreview({ nginx, upstream: { host: ghost.host, port: ghost.port }, capabilities: justifiedCapabilities('proxy') });
    try {
      const answer = await ask(preview, { host: BLOG, path: '/confined/' });
      expect(answer.status).toBe(200);
      // Confined so, a process can write in the prefix (the tmpfs and cache volume) and nowhere else.
      const [program, ...args] = confinedCommand(['sh', '-c', `touch "${preview.prefix}/probe" && touch /var/tmp/confined-probe`], preview.prefix, justifiedCapabilities('proxy'));
      const probe = spawnSync(program, args, { encoding: 'utf8' });
      expect(probe.stderr).toMatch(/Read-only file system/);
      expect(fs.existsSync(path.join(preview.prefix, 'probe'))).toBe(true);
      expect(fs.existsSync('/var/tmp/confined-probe')).toBe(false);
    } finally {
      await preview.stop();
    }
  });

  it('does not start without CHOWN: the master cannot hand its folders to the workers', async () => {
    const capabilities = justifiedCapabilities('proxy').filter((c) => c !== 'CHOWN');
    await expect(startPreview({ nginx, upstream: { host: ghost.host, port: ghost.port }, capabilities })).rejects.toThrow(/chown\(.*\) failed \(1: Operation not permitted\)/);
  });

  it.each([['SETUID', 'setuid'], ['SETGID', 'setgid']])('starts no worker without %s: the master cannot switch them to the unprivileged user', async (missing, call) => {
    const capabilities = justifiedCapabilities('proxy').filter((c) => c !== missing);
    const preview = await startPreview({ nginx, upstream: { host: ghost.host, port: ghost.port }, capabilities });
    try {
      // The master listens, but every worker dies at once and is not respawned.
      const deaths = new RegExp(`${call}\\(\\d+\\) failed \\(1: Operation not permitted\\)[\\s\\S]*exited with fatal code 2 and cannot be respawned`);
      const deadline = Date.now() + 10_000;
      while (!deaths.test(fs.readFileSync(preview.errorLog, 'utf8')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(fs.readFileSync(preview.errorLog, 'utf8')).toMatch(deaths);
    } finally {
      await preview.stop();
    }
  });
}

const nginxes = findLocalNginxes();
describeWhenAvailable("the proxy's confinement on a real NGINX", nginxes.length > 0 && CONFINED, 'run as root with setpriv and unshare (util-linux), and install nginx', () => {
  describe.each(nginxes.map((nginx) => [nginxLabel(nginx), nginx] as const))('%s', (_title, nginx) => {
    capabilitiesOn(nginx);
  });
});

describeWhenAvailable('generated NGINX configuration on a real NGINX', nginxes.length > 0, 'install nginx (Debian: nginx-light) and openssl', () => {
  describe.each(nginxes.map((nginx) => [nginxLabel(nginx), nginx] as const))('%s', (_title, nginx) => {
    generatedConfigurationOn(nginx);
    describe('pages expiring', () => {
      cacheExpiryOn(nginx);
    });
  });
});
