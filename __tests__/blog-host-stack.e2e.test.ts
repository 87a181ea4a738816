import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Browser } from 'playwright-core';
import { artifactPath, launchBrowser } from '../test-support/browser';
import { ask } from '../test-support/http-client';
import { pngSize, solidPng } from '../tools/png';
import { OWNER, ownerClient, startBlog } from '../test-support/real-ghost';
import { GhostClient } from '../tools/ghost-admin-client';
import { ghostInstallDir, NODE22_BIN } from '../tools/real-ghost-paths';
import { RealGhostStack } from '../tools/real-ghost-stack';

/**
 * The stack as a user deploys it, against the real things: Ghost (the pinned version, its
 * environment read from the synthesized plan), MariaDB for MySQL 8, Chromium, an SMTP
 * relay that keeps what it is sent, and the generated proxy on ports 80 and 443 of a
 * private network namespace (npm run test:e2e). The scenarios build on each other, in order.
 */
const BLOG = 'www.example.com';
const HEALTHCHECK = path.join(__dirname, '..', 'assets', 'blog', 'healthcheck.js');

let blog: RealGhostStack;
let browser: Browser;
let owner: GhostClient;
let publishedUrl: string;

beforeAll(async () => {
  blog = await startBlog();
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await blog?.stop();
});

function nginxMasterPid(): string {
  return fs.readFileSync(path.join(blog.proxy.prefix, 'logs', 'nginx.pid'), 'utf8').trim();
}

async function until<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('a real Ghost 6 behind the generated proxy', () => {
  it('sets up the owner through the admin API, with the password from the plan reaching the mail relay', async () => {
    owner = await ownerClient(blog);
    await owner.removeRemoteImages();
    const site = await owner.admin('GET', 'site/');
    expect((site.json as { site: { title: string } }).site.title).toBe(OWNER.blogTitle);
    // Ghost mailed the owner a welcome, signed in to the relay with the plan's SMTP user and password.
    const welcome = await blog.smtp!.waitFor((mail) => mail.to.includes(OWNER.email));
    expect(welcome.auth).toEqual({ user: 'blog@example.com', password: blog.ghostEnvironment.mail__options__auth__pass });
  });

  it('renders the home page in Chromium through the proxy', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const response = await page.goto(`https://${BLOG}/`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe(OWNER.blogTitle);
    expect(response?.headers()['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
    await page.screenshot({ path: artifactPath('home-page.png'), fullPage: false });
    await context.close();
  });

  it('signs the owner in to the admin from a new browser with the code mailed to them', async () => {
    const since = blog.smtp!.messages.length;
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`https://${BLOG}/ghost/`);
    await page.fill('input[name="identification"]', OWNER.email);
    await page.fill('input[name="password"]', OWNER.password);
    await page.click('button[data-test-button="sign-in"]');
    await page.waitForSelector('input[name="token"]');
    const mail = await blog.smtp!.waitFor((m) => /is your Ghost sign in verification code/.test(m.subject), 30_000, since);
    const code = /^(\d{6}) is your Ghost sign in verification code/.exec(mail.subject)![1];
    await page.fill('input[name="token"]', code);
    await page.click('button[data-test-button="verify"]');
    await page.waitForURL(/\/ghost\/#\/(dashboard|analytics|site|posts)/, { timeout: 30_000 });
    expect(page.url()).toMatch(new RegExp(`^https://${BLOG.replace(/\./g, '\\.')}/ghost/#/(dashboard|analytics|site|posts)`));
    // Signed in: the admin API answers this browser as the owner.
    const me = await page.evaluate(async () => (await fetch('/ghost/api/admin/users/me/')).status);
    expect(me).toBe(200);
    await page.screenshot({ path: artifactPath('admin-signed-in.png') });
    await context.close();
  });

  it('publishes a post through the admin API that anonymous visitors see at once', async () => {
    // The home page is cached for anonymous visitors first.
    await ask(blog.proxy, { host: BLOG, path: '/' });
    expect((await ask(blog.proxy, { host: BLOG, path: '/' })).headers['x-cache-status']).toBe('HIT');
    const post = await owner.admin('POST', 'posts/?source=html', {
      json: { posts: [{ title: 'Published from the end-to-end test', html: '<p>Hello from a real Ghost.</p>', status: 'published' }] },
    });
    expect(post.status).toBe(201);
    publishedUrl = new URL((post.json as { posts: { url: string }[] }).posts[0].url).pathname;
    // Ghost's X-Cache-Invalidate starts a new cache generation; well within the 5 s cache time.
    const started = Date.now();
    await until('the post on the home page', async () => ((await ask(blog.proxy, { host: BLOG, path: '/' })).body.toString().includes('Published from the end-to-end test') ? true : undefined), 4_000);
    expect(Date.now() - started).toBeLessThan(4_000);
    // And it was the invalidation, not the cache time running out.
    expect(fs.readFileSync(blog.proxy.watchLog, 'utf8')).toMatch(/reloaded NGINX: Ghost invalidated content/);
    const page = await ask(blog.proxy, { host: BLOG, path: publishedUrl });
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('Hello from a real Ghost.');
  });

  it('never caches the admin, the APIs or anything a signed-in user sees', async () => {
    for (const route of ['/ghost/', '/ghost/api/admin/site/', '/members/api/member/']) {
      for (let i = 0; i < 2; i++) {
        const answer = await ask(blog.proxy, { host: BLOG, path: route });
        expect([route, answer.headers['x-cache-status']]).toEqual([route, 'BYPASS']);
      }
    }
    const signedIn = await owner.request('GET', '/', undefined, {});
    expect(signedIn.headers['x-cache-status']).toBe('BYPASS');
  });

  it('asks a new device for a code when mail is configured', async () => {
    const device = new GhostClient({ origin: `https://${BLOG}`, caFile: blog.proxy.certificateFile });
    const attempt = await device.signIn(OWNER.email, OWNER.password);
    expect(attempt.status).toBe(403);
    expect(attempt.body.toString()).toMatch(/2FA_NEW_DEVICE_DETECTED|verification/i);
  });

  it('signs a member up through the magic link, and keeps member and anonymous pages apart', async () => {
    const member = new GhostClient({ origin: `https://${BLOG}`, caFile: blog.proxy.certificateFile });
    const token = await member.request('GET', '/members/api/integrity-token/');
    expect(token.status).toBe(200);
    const since = blog.smtp!.messages.length;
    const sent = await member.request('POST', '/members/api/send-magic-link/', {
      json: { email: 'reader@example.com', name: 'A Reader', emailType: 'signup', integrityToken: token.body.toString() },
    });
    expect(sent.status).toBe(201);
    const mail = await blog.smtp!.waitFor((m) => m.to.includes('reader@example.com'), 30_000, since);
    const link = new URL(/https:\/\/www\.example\.com\/members\/\?token=[^\s"<>]+/.exec(mail.text)![0]);
    const followed = await member.request('GET', `${link.pathname}${link.search}`);
    expect(followed.status).toBe(302);
    expect(member.cookieHeader).toMatch(/ghost-members-ssr=/);

    // Anonymous first, so a cached anonymous copy exists; then the member; then anonymous again.
    const before = await ask(blog.proxy, { host: BLOG, path: publishedUrl });
    const asMember = await member.request('GET', publishedUrl);
    const after = await ask(blog.proxy, { host: BLOG, path: publishedUrl });
    expect(asMember.headers['x-cache-status']).toBe('BYPASS');
    expect(asMember.body.toString()).toContain('data-portal="account"');
    for (const anonymous of [before, after]) {
      expect(anonymous.body.toString()).not.toContain('data-portal="account"');
      expect(anonymous.body.toString()).not.toContain('reader@example.com');
    }
    expect(after.headers['x-cache-status']).toBe('HIT');
  });

  it('serves an uploaded image resized, and refuses it to another site', async () => {
    const upload = await owner.admin('POST', 'images/upload/', {
      multipart: { fields: { purpose: 'image' }, file: { field: 'file', name: 'landscape.png', type: 'image/png', data: solidPng(1600, 900) } },
    });
    expect(upload.status).toBe(201);
    const original = new URL((upload.json as { images: { url: string }[] }).images[0].url).pathname;
    const resizedPath = original.replace('/content/images/', '/content/images/size/w600/');
    const resized = await ask(blog.proxy, { host: BLOG, path: resizedPath, headers: { referer: `https://${BLOG}/` } });
    expect(resized.status).toBe(200);
    expect(pngSize(resized.body)).toEqual({ width: 600, height: 338 });
    const hotLinked = await ask(blog.proxy, { host: BLOG, path: original, headers: { referer: 'https://elsewhere.example.net/' } });
    expect(hotLinked.status).toBe(403);
  });

  it('serves cached pages as STALE while Ghost is stopped, and the admin a page that says so', async () => {
    await ask(blog.proxy, { host: BLOG, path: publishedUrl });
    // Past the 5 s cache time, so that only a stale copy is left.
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    await blog.ghost.stop();
    const stale = await ask(blog.proxy, { host: BLOG, path: publishedUrl });
    expect(stale.status).toBe(200);
    expect(stale.headers['x-cache-status']).toBe('STALE');
    expect(stale.body.toString()).toContain('Hello from a real Ghost.');
    // Docker's DNS then stops answering for a stopped container's alias: once NGINX's copy of
    // the answer (10 s) runs out, the name is gone, and the same holds.
    blog.proxy.dns.removeAddress(blog.proxy.ghostAlias);
    const asked = blog.proxy.dns.queries.get(blog.proxy.ghostAlias) ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const staleWithoutName = await ask(blog.proxy, { host: BLOG, path: publishedUrl });
    expect(staleWithoutName.status).toBe(200);
    expect(staleWithoutName.headers['x-cache-status']).toBe('STALE');
    const admin = await ask(blog.proxy, { host: BLOG, path: '/ghost/' });
    expect(admin.status).toBe(502);
    expect(admin.body.toString()).toContain('The blog cannot be reached just now');
    // NGINX asked for the name again, and got no address: the answers above came without one.
    expect(blog.proxy.dns.queries.get(blog.proxy.ghostAlias) ?? 0).toBeGreaterThan(asked);
  }, 60_000);

  it('serves Ghost again once it is back, without reloading the proxy', async () => {
    const pid = nginxMasterPid();
    await blog.ghost.start();
    blog.proxy.dns.setAddress(blog.proxy.ghostAlias, blog.ghost.host);
    const fresh = await until('a fresh page', async () => {
      const answer = await ask(blog.proxy, { host: BLOG, path: publishedUrl });
      return answer.headers['x-cache-status'] !== 'STALE' && answer.status === 200 ? answer : undefined;
    });
    expect(fresh.body.toString()).toContain('Hello from a real Ghost.');
    expect(nginxMasterPid()).toBe(pid);
  }, 120_000);
});

describe("the Ghost container's health check", () => {
  // The official image's layout, so the check finds Ghost's MySQL driver as it does there.
  const install = fs.mkdtempSync(path.join(os.tmpdir(), 'ghost-install-'));
  fs.symlinkSync(ghostInstallDir(), path.join(install, 'current'));
  afterAll(() => fs.rmSync(install, { recursive: true, force: true }));

  /** Runs the check as Docker does: the container's environment, exit status 0 or 1. */
  function check(): { healthy: boolean; seconds: number; output: string } {
    const started = Date.now();
    const result = spawnSync(NODE22_BIN, [HEALTHCHECK], {
      env: { ...blog.ghostEnvironment, GHOST_INSTALL: install, PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 10_000,
    });
    return { healthy: result.status === 0, seconds: (Date.now() - started) / 1000, output: `${result.stdout}${result.stderr}` };
  }

  it('is healthy while Ghost and its database answer', () => {
    expect(check()).toMatchObject({ healthy: true });
  });

  it('turns unhealthy within one check when the database is frozen, and healthy when it thaws', async () => {
    await blog.mariadb.freeze();
    try {
      const frozen = check();
      expect(frozen.healthy).toBe(false);
      // The query's own timeout says which part hung; on a slow start of node the check's
      // overall timer may speak first. Either way it ends within Docker's 5 s timeout.
      expect(frozen.output).toMatch(/the database did not answer|the check did not finish within 4 s/);
      expect(frozen.seconds).toBeLessThan(5);
    } finally {
      await blog.mariadb.thaw();
    }
    expect(check().healthy).toBe(true);
  });

  it('turns unhealthy when the database is stopped, and healthy when it is back', async () => {
    await blog.mariadb.stop();
    const stopped = check();
    expect(stopped.healthy).toBe(false);
    expect(stopped.output).toMatch(/the database did not answer/);
    await blog.mariadb.start();
    expect(check().healthy).toBe(true);
  });
});
