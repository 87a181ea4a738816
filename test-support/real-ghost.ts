import { BlogHostSettings } from '../core/settings-schema';
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
