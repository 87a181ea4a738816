import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { planFixture } from '../test-support/plan-fixtures';

/** npm run review (tools/review-cli.ts), as the pull-request workflow runs it. */
const ROOT = path.join(__dirname, '..');

describe('npm run review', () => {
  it('reviews a synthesized cdktf.out folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-cli-'));
    try {
      const [stack] = planFixture({}, {});
      fs.mkdirSync(path.join(dir, 'stacks', 'ghost-blog'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'stacks', 'ghost-blog', 'cdk.tf.json'), JSON.stringify(stack));
      const result = spawnSync('npm', ['run', '-s', 'review', '--', '--out', dir], { cwd: ROOT, encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^# Review of stack `ghost-blog`/);
      expect(result.stdout).toContain('All policies pass.');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('says what to do when nothing is synthesized', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-cli-'));
    const nothing = path.join(dir, 'nothing-here');
    try {
      const result = spawnSync('npm', ['run', '-s', 'review', '--', '--out', nothing], { cwd: ROOT, encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`review: ${nothing} does not exist: run npx cdktf synth first.`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
