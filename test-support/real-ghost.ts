import { BlogHostSettings } from '../core/settings-schema';
import { GhostClient } from '../tools/ghost-admin-client';
import { E2E_MAIL_HOST, RealGhostStack, RealGhostStackOptions, startRealGhostStack } from '../tools/real-ghost-stack';
import { synthBlogHost } from './synth';

/**
 * The settings the end-to-end tests deploy: the defaults, with mail through a relay (the
 * SMTP sink) so that verification codes and magic links arrive, and a short cache time so
 * that expired copies can be seen within a test.
 */
export const E2E_SETTINGS: BlogHostSettings = {
  mail: { host: E2E_MAIL_HOST, port: 587, user: 'blog@example.com', from: '"Example Blog" <blog@example.com>' },
  proxy: { cacheValidTime: '5s' },
};

/** Synthesizes the stack from the settings and starts it with real parts from its plan. */
export async function startBlog(settings: BlogHostSettings = E2E_SETTINGS, options: Partial<RealGhostStackOptions> = {}): Promise<RealGhostStack> {
  const plan = synthBlogHost(settings).json;
  return startRealGhostStack({ settings, plan, ...options });
}

/** The owner every end-to-end blog is set up with. */
export const OWNER = { name: 'Blog Owner', email: 'owner@example.com', password: 'correct-horse-battery-9', blogTitle: 'Example Blog' } as const;

/** A signed-in admin client for the blog, the owner set up first when the blog is new. */
export async function ownerClient(blog: RealGhostStack, setUp = true): Promise<GhostClient> {
  const client = new GhostClient({ origin: `https://${blog.proxy.blogHost}`, caFile: blog.proxy.certificateFile });
  if (setUp) await client.setup({ ...OWNER });
  const signIn = await client.signIn(OWNER.email, OWNER.password);
  if (signIn.status !== 201) throw new Error(`the owner's first sign-in answered ${signIn.status}: ${signIn.body.toString()}`);
  return client;
}
