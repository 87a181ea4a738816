import { OWNER, ownerClient, startBlog } from '../test-support/real-ghost';
import { GhostClient } from '../tools/ghost-admin-client';
import { GhostServer } from '../tools/ghost-server';
import { RealGhostStack } from '../tools/real-ghost-stack';

/**
 * What the GhostBlog construct promises, against a real Ghost: with `mail: false` (the
 * default) the owner can still sign in from a new device, since no code could be mailed;
 * and a Ghost that cannot boot says why, in its own words.
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

  it("prints Ghost's own log when Ghost cannot boot", async () => {
    const broken = new GhostServer({ environment: { ...blog.ghostEnvironment, database__connection__password: 'not-the-password', server__port: '2369' } });
    try {
      await expect(broken.start()).rejects.toThrow(/Ghost exited during boot[^]*Its log:[^]*Access denied for user 'ghost'/);
    } finally {
      await broken.destroy();
    }
  });
});
