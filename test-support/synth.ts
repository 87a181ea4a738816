import { Testing } from 'cdktf';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BlogHostStack, BlogHostStackProps } from '../constructs/blog-host-stack';

/** A synthesized stack, as a reviewer reads it: the JSON text and its parsed form. */
export interface Synthesized {
  readonly stack: BlogHostStack;
  readonly text: string;
  readonly json: TerraformJson;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TerraformJson = { resource: Record<string, Record<string, any>>; output: Record<string, any>; variable: Record<string, any>; provider: Record<string, any> };

export function synthBlogHost(props: BlogHostStackProps = {}): Synthesized {
  const stack = new BlogHostStack(Testing.app(), 'test', props);
  const text = Testing.synth(stack);
  return { stack, text, json: JSON.parse(text) };
}

/** The one resource of `type` whose `name` attribute is `name`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function resourceNamed(json: TerraformJson, type: string, name: string): any {
  const matches = Object.values(json.resource[type] ?? {}).filter((r) => r.name === name);
  if (matches.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${matches.length}`);
  return matches[0];
}

/** Copies a folder tree into a fresh temporary folder and returns its path. */
export function copyToTemp(source: string): string {
  const target = fs.mkdtempSync(path.join(os.tmpdir(), 'ghost-assets-'));
  fs.cpSync(source, target, { recursive: true });
  return target;
}

/** Every file under a folder, recursively. */
export function filesUnder(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}
