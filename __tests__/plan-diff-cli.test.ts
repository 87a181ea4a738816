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

  it('synthesizes git refs in a temporary worktree, and removes it', () => {
    const worktrees = () => spawnSync('git', ['worktree', 'list'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim().split('\n');
    const before = worktrees();
    const result = planDiff('HEAD', 'HEAD');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('# Plan preview: HEAD → HEAD');
    expect(result.stdout).toContain('No changes.');
    expect(worktrees()).toEqual(before);
  }, 180_000);

  it('exits 1 with a reason for an argument that is neither a file nor a ref', () => {
    const result = planDiff('no-such-ref-or-file', 'HEAD');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('plan-diff: no-such-ref-or-file is neither a file or folder nor a git ref');
  }, 60_000);
});
