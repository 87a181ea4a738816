// npm run review [-- --out cdktf.out] [--stack NAME]
//
// Prints a Markdown review of a synthesized stack (run `npx cdktf synth` first): containers,
// images and policy results, with secrets redacted.
import * as path from 'path';
import { parseArgs } from 'util';
import { renderReview } from './review';
import { readSynthesizedStack } from '../core/terraform-json';

try {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'cdktf.out' }, stack: { type: 'string' } }, strict: true });
  const { tf, file } = readSynthesizedStack(values.out!, values.stack);
  process.stdout.write(renderReview(tf, tf['//']?.metadata?.stackName ?? path.basename(path.dirname(file))));
} catch (error) {
  process.stderr.write(`review: ${(error as Error).message}\n`);
  process.exit(1);
}
