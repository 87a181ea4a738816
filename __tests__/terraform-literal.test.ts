import { spawnSync } from 'child_process';
import fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { escapeForTerraform, holdsTemplateCode, templateSequences, terraformLiteralValue } from '../core/terraform-literal';
import { commandExists, describeWhenAvailable } from '../test-support/required-tools';

/** Strings rich in what Terraform's template scanner treats specially. */
const templateHeavy = fc
  .array(fc.oneof(fc.constantFrom('$', '%', '{', '}', '${', '%{', '$${', '%%{', '$$', '%%', 'x', 'var.a', '~', '"', '\\', 'é'), fc.string({ maxLength: 3 })), { maxLength: 12 })
  .map((parts) => parts.join(''))
  // Settings refuse control characters before anything reaches a plan.
  // eslint-disable-next-line no-control-regex
  .filter((text) => !/[\u0000-\u001f\u007f]/.test(text));

describe('terraformLiteralValue', () => {
  it.each([
    ['plain text', 'plain text'],
    ['$${x}', '${x}'],
    ['%%{x}', '%{x}'],
    ['$$${x}', '$${x}'],
    ['%%%{x}', '%%{x}'],
    ['$$x', '$$x'],
    ['a$', 'a$'],
    ['100%', '100%'],
  ])('reads %j as %j', (text, literal) => {
    expect(terraformLiteralValue(text)).toBe(literal);
  });

  it.each(['${var.x}', 'a ${b} c', '%{if true}x%{endif}', 'x$${y}${z}'])('finds template code in %j', (text) => {
    expect(terraformLiteralValue(text)).toBeUndefined();
    expect(holdsTemplateCode(text)).toBe(true);
  });

  it('lists the template sequences Terraform would evaluate', () => {
    expect(templateSequences('A=${var.a} B=$${var.b} C=%{if x}y%{endif}')).toEqual(['${var.a}', '%{if x}', '%{endif}']);
  });

  it('reads back exactly what escapeForTerraform escaped', () => {
    fc.assert(fc.property(templateHeavy, (text) => terraformLiteralValue(escapeForTerraform(text)) === text), { numRuns: 2000 });
  });
});

describeWhenAvailable('the template rules, against Terraform itself', commandExists('terraform'), 'install Terraform (the deploy tool) to check the template rules against it', () => {
  it('agrees with terraform on what every escaped and unescaped string reads as', () => {
    const samples = fc.sample(templateHeavy, { numRuns: 300, seed: 4242 });
    const cases = [...samples.map(escapeForTerraform), ...samples.filter((s) => !holdsTemplateCode(s))];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-literal-'));
    try {
      const outputs = Object.fromEntries(cases.map((text, i) => [`o${i}`, { value: text }]));
      fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({ output: outputs }));
      const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: '/dev/null' };
      for (const args of [['init', '-input=false', '-no-color'], ['apply', '-auto-approve', '-input=false', '-no-color']]) {
        const run = spawnSync('terraform', args, { cwd: dir, env, encoding: 'utf8' });
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
      }
      const read = spawnSync('terraform', ['output', '-json'], { cwd: dir, env, encoding: 'utf8' });
      const values = JSON.parse(read.stdout) as Record<string, { value: string }>;
      const disagreements = cases
        .map((text, i) => ({ text, terraform: values[`o${i}`].value, ours: terraformLiteralValue(text) }))
        .filter((c) => c.terraform !== c.ours);
      expect(disagreements).toEqual([]);
      expect(cases.length).toBeGreaterThan(300);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
