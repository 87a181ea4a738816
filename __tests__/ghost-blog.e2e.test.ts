import * as fs from 'fs';
import { artifactPath } from '../test-support/browser';
import { OWNER, ownerClient, startBlog } from '../test-support/real-ghost';
import { GhostClient } from '../tools/ghost-admin-client';
import { driveLoad, LoadResult } from '../tools/http-load';
import { GhostServer } from '../tools/ghost-server';
import { RealGhostStack } from '../tools/real-ghost-stack';

/**
 * What the GhostBlog construct promises, against a real Ghost: with `mail: false` (the
 * default) the owner can still sign in from a new device, since no code could be mailed;
 * Ghost keeps within the plan's memory limits under load, and a flood from one client
 * neither kills it nor starves other visitors; and a Ghost that cannot boot says why.
 */
describe('a blog without mail', () => {
  let blog: RealGhostStack;

  beforeAll(async () => {
    blog = await startBlog({ mail: false });
  }, 180_000);

  afterAll(async () => {
    await blog?.stop();
  });

  it('runs Ghost with staff device verification off, as the plan says', () => {
    expect(blog.ghostEnvironment.security__staffDeviceVerification).toBe('false');
    expect(blog.smtp).toBeUndefined();
  });

  it('lets the owner sign in from a new device without a mailed code', async () => {
    await ownerClient(blog);
    const device = new GhostClient({ origin: `https://${blog.proxy.blogHost}`, caFile: blog.proxy.certificateFile });
    const signIn = await device.signIn(OWNER.email, OWNER.password);
    expect(signIn.status).toBe(201);
    const site = await device.admin('GET', 'users/me/');
    expect(site.status).toBe(200);
  });

  describe("under load, within the plan's memory limits", () => {
    let owner: GhostClient;
    let posts: string[];
    const figures: Record<string, unknown> = {};
    const only = (result: LoadResult, allowed: number[]) => Object.keys(result.statuses).map(Number).filter((s) => !allowed.includes(s));

    beforeAll(async () => {
      owner = await ownerClient(blog, false);
      await owner.removeRemoteImages();
      posts = [];
      for (let i = 0; i < 5; i++) {
        const post = await owner.admin('POST', 'posts/?source=html', { json: { posts: [{ title: `Load post ${i}`, html: '<p>Words.</p>'.repeat(200), status: 'published' }] } });
        posts.push(new URL((post.json as { posts: { url: string }[] }).posts[0].url).pathname);
      }
    });

    afterAll(() => {
      fs.writeFileSync(artifactPath('ghost-memory.json'), `${JSON.stringify(figures, null, 2)}\n`);
    });

    const load = (options: Partial<Parameters<typeof driveLoad>[0]> & Pick<Parameters<typeof driveLoad>[0], 'next' | 'concurrency'>) =>
      driveLoad({ host: blog.proxy.blogHost, port: blog.proxy.httpsPort, caFile: blog.proxy.certificateFile, ...options });
    const admin = () => ({ cookie: owner.cookieHeader, origin: `https://${blog.proxy.blogHost}` });

    it('serves 2,000 mixed requests: cached pages, misses from many visitors, the admin API', async () => {
      const result = await load({
        concurrency: 8,
        total: 2000,
        next: (n) => [
          { path: '/' },
          { path: posts[n % posts.length] },
          { path: '/ghost/api/admin/posts/?limit=5&include=tags,authors', headers: admin() },
          { path: `${posts[n % posts.length]}?visitor=${n}`, localAddress: `127.0.1.${n % 200}` },
        ][n % 4],
      });
      expect(only(result, [200])).toEqual([]);
      figures.mixed = { ...blog.ghost.cgroup!.usage(), requests: 2000 };
      expect(blog.ghost.running).toBe(true);
    }, 180_000);

    it('holds a sustained uncached load of 32 connections without an OOM kill', async () => {
      const result = await load({ concurrency: 32, durationMs: 20_000, next: () => ({ path: '/ghost/api/admin/posts/?limit=15&include=tags,authors', headers: admin() }) });
      expect(only(result, [200])).toEqual([]);
      const usage = blog.ghost.cgroup!.usage();
      figures.sustained = { ...usage, requests: Object.values(result.statuses).reduce((a, b) => a + b, 0), seconds: result.seconds };
      expect(usage.oomKills).toBe(0);
      expect(blog.ghost.running).toBe(true);
    }, 120_000);

    it('answers a cache-busting flood from one client with 429, and still serves another visitor', async () => {
      const [flood, other] = await Promise.all([
        load({ concurrency: 16, durationMs: 10_000, next: (n) => ({ path: `/?bust=${n}`, localAddress: '127.0.0.5' }) }),
        load({ concurrency: 1, durationMs: 10_000, next: (n) => ({ path: `${posts[n % posts.length]}?reader=${n}`, localAddress: '127.0.0.6' }) }),
      ]);
      expect(flood.statuses[429]).toBeGreaterThan(0);
      expect(only(flood, [200, 429])).toEqual([]);
      expect(only(other, [200])).toEqual([]);
      figures.flood = { flood: flood.statuses, other: other.statuses, ...blog.ghost.cgroup!.usage() };
      expect(blog.ghost.cgroup!.usage().oomKills).toBe(0);
      expect(blog.ghost.running).toBe(true);
    }, 60_000);
  });

  it("prints Ghost's own log when Ghost cannot boot", async () => {
    const broken = new GhostServer({ environment: { ...blog.ghostEnvironment, database__connection__password: 'not-the-password', server__port: '2369' } });
    try {
      await expect(broken.start()).rejects.toThrow(/Ghost exited during boot[^]*Its log:[^]*Access denied for user 'ghost'/);
    } finally {
      await broken.destroy();
    }
  });
});
