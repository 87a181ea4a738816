import { Network } from '@cdktf/provider-docker/lib/network';
import { Testing, TerraformStack, TerraformVariable } from 'cdktf';
import { ResolvedBlogSettings, resolveBlogSettings } from '../core/settings';
import { BlogHostSettings } from '../core/settings-schema';

/** A bare stack with the two networks and a sensitive variable, for testing one construct alone. */
export function constructFixture(settings: BlogHostSettings = {}): {
  stack: TerraformStack;
  settings: ResolvedBlogSettings;
  frontend: Network;
  backend: Network;
  secret: string;
} {
  const stack = new TerraformStack(Testing.app(), 'fixture');
  const frontend = new Network(stack, 'frontend-network', { name: 'frontend' });
  const backend = new Network(stack, 'backend-network', { name: 'backend', internal: true });
  const secret = new TerraformVariable(stack, 'secret', { type: 'string', sensitive: true }).stringValue;
  return { stack, settings: resolveBlogSettings(settings), frontend, backend, secret };
}
