import * as fs from 'fs';
import * as path from 'path';
import { Json } from '../constructs/policies';

/** Reading synthesized Terraform JSON (cdk.tf.json), for the review and the plan preview. */
export type { Json };

export interface Resource {
  readonly type: string;
  readonly body: Json;
}

/** Resources by address (`type.name`). */
export function resourcesOf(tf: Json): Map<string, Resource> {
  const map = new Map<string, Resource>();
  for (const [type, resources] of Object.entries<Json>(tf.resource ?? {})) {
    for (const [name, body] of Object.entries<Json>(resources)) map.set(`${type}.${name}`, { type, body });
  }
  return map;
}

/** JSON with object keys sorted, so equal values compare equal as text. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  ) ?? 'null';
}

/** Short text for a value in a table cell: Markdown pipes escaped, long values cut. */
export function displayValue(value: unknown): string {
  if (value === undefined) return '(unset)';
  const text = typeof value === 'string' ? value : canonical(value);
  const short = text.length > 160 ? `${text.slice(0, 157)}...` : text;
  return `\`${short.replace(/\|/g, '\\|').replace(/`/g, "'")}\``;
}

/**
 * A synthesized stack from a path: a cdk.tf.json file, a stack folder, or a cdktf.out
 * folder holding exactly one stack (or the one named).
 */
export function readSynthesizedStack(location: string, stackName?: string): { tf: Json; file: string } {
  let file = location;
  if (!fs.existsSync(location)) throw new Error(`${location} does not exist: run npx cdktf synth first.`);
  if (fs.statSync(location).isDirectory()) {
    if (fs.existsSync(path.join(location, 'cdk.tf.json'))) {
      file = path.join(location, 'cdk.tf.json');
    } else {
      const stacksDir = path.join(location, 'stacks');
      if (!fs.existsSync(stacksDir)) throw new Error(`${location} holds neither cdk.tf.json nor stacks/: run npx cdktf synth first.`);
      const stacks = fs.readdirSync(stacksDir).filter((s) => fs.existsSync(path.join(stacksDir, s, 'cdk.tf.json')));
      const chosen = stackName ? stacks.filter((s) => s === stackName) : stacks;
      if (chosen.length !== 1) {
        throw new Error(`${stacksDir} holds the stacks ${stacks.join(', ') || '(none)'}; name one with --stack.`);
      }
      file = path.join(stacksDir, chosen[0], 'cdk.tf.json');
    }
  }
  return { tf: JSON.parse(fs.readFileSync(file, 'utf8')), file };
}
