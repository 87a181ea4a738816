import { BlogHostSettings } from '../core/settings-schema';
import { GhostClient } from '../tools/ghost-admin-client';
import { E2E_MAIL_HOST, RealGhostStack, RealGhostStackOptions, startRealGhostStack } from '../tools/real-ghost-stack';
import { solidPng } from './png';
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

/**
 * A fresh Ghost points its cover image and its first post at static.ghost.org, and sizes
 * those images on every page it renders: offline, every page would try and fail. An icon
 * of our own and no cover image or sample post take those lookups away.
 */
export async function removeRemoteImages(client: GhostClient): Promise<void> {
  const icon = await client.admin('POST', 'images/upload/', {
    multipart: { fields: { purpose: 'icon' }, file: { field: 'file', name: 'icon.png', type: 'image/png', data: solidPng(128, 128) } },
  });
  if (icon.status !== 201) throw new Error(`icon upload answered ${icon.status}: ${icon.body.toString()}`);
  const iconUrl = (icon.json as { images: { url: string }[] }).images[0].url;
  const settings = await client.admin('PUT', 'settings/', { json: { settings: [{ key: 'cover_image', value: null }, { key: 'icon', value: iconUrl }] } });
  if (settings.status !== 200) throw new Error(`settings edit answered ${settings.status}: ${settings.body.toString()}`);
  const posts = await client.admin('GET', 'posts/?filter=slug:coming-soon&fields=id');
  for (const post of (posts.json as { posts: { id: string }[] }).posts) await client.admin('DELETE', `posts/${post.id}/`);
}

/** A signed-in admin client for the blog, the owner set up first when the blog is new. */
export async function ownerClient(blog: RealGhostStack, setUp = true): Promise<GhostClient> {
  const client = new GhostClient({ origin: `https://${blog.proxy.blogHost}`, caFile: blog.proxy.certificateFile });
  if (setUp) await client.setup({ ...OWNER });
  const signIn = await client.signIn(OWNER.email, OWNER.password);
  if (signIn.status !== 201) throw new Error(`the owner's first sign-in answered ${signIn.status}: ${signIn.body.toString()}`);
  return client;
}
