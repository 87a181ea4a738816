import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { planFixture } from '../test-support/plan-fixtures';

const ROOT = path.join(__dirname, '..');

/** Runs `npm run plan-diff -- ...args` as the workflow does. */
function planDiff(...args: string[]) {
  const result = spawnSync('npm', ['run', '-s', 'plan-diff', '--', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run plan-diff', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-diff-cli-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(name: string, json: unknown): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(json));
    return file;
  }

  it('exits 0 and prints the preview when nothing endangers data', () => {
    const [base, head] = planFixture({}, { proxy: { logMaxFiles: 5 } });
    const result = planDiff(write('base.json', base), write('head.json', head));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('## Downtime');
    expect(result.stdout).not.toContain('DANGER');
  }, 60_000);

  it('exits 2 when data is at risk', () => {
    const [base, head] = planFixture({}, { ghost: { contentPath: '/srv/ghost' } });
    const result = planDiff(write('base2.json', base), write('head2.json', head));
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('## DANGER: data');
  }, 60_000);

  it('synthesizes git refs in a temporary worktree', () => {
    const result = planDiff('HEAD', 'HEAD');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('# Plan preview: HEAD → HEAD');
    expect(result.stdout).toContain('No changes.');
    expect(spawnSync('git', ['worktree', 'list'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim().split('\n')).toHaveLength(1);
  }, 180_000);

  it('exits 1 with a reason for an argument that is neither a file nor a ref', () => {
    const result = planDiff('no-such-ref-or-file', 'HEAD');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('plan-diff: no-such-ref-or-file is neither a file or folder nor a git ref');
  }, 60_000);
});

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
    const result = spawnSync('npm', ['run', '-s', 'review', '--', '--out', path.join(os.tmpdir(), 'nothing-here')], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('review: ' + path.join(os.tmpdir(), 'nothing-here') + ' does not exist: run npx cdktf synth first.');
  }, 60_000);
});
