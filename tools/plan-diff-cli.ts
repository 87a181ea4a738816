// npm run plan-diff -- BASE HEAD [--stack NAME]
//
// BASE and HEAD are each a synthesized stack (a cdk.tf.json file, a stack folder or a
// cdktf.out folder) or a git ref, which is synthesized in a temporary worktree. Prints a
// Markdown preview of what applying HEAD over BASE would do. Exit status: 0 when nothing
// endangers data, 2 when something does, 1 when the preview could not be made.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { diffPlans, renderPlanDiff } from './plan-diff';
import { Json, readSynthesizedStack } from '../core/terraform-json';
import { PROJECT_ROOT, synthesizeStack } from './synthesize';

const ROOT = PROJECT_ROOT;

function git(args: string[], cwd = ROOT): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Synthesizes main.ts as it was at a commit, in a worktree that is removed afterwards. */
function synthesizeCommit(commit: string, stack: string | undefined): Json {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-diff-'));
  const worktree = path.join(dir, 'tree');
  git(['worktree', 'add', '--detach', worktree, commit]);
  try {
    const sameLock = fs.existsSync(path.join(worktree, 'package-lock.json'))
      && fs.readFileSync(path.join(worktree, 'package-lock.json'), 'utf8') === fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8');
    if (sameLock) {
      // Same dependencies: borrow this checkout's instead of installing them again.
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(worktree, 'node_modules'), 'dir');
    } else {
      execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: worktree, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    return synthesizeStack({ root: worktree, stack });
  } finally {
    git(['worktree', 'remove', '--force', worktree]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main(): number {
  const { values, positionals } = parseArgs({ options: { stack: { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 2) throw new Error('expected two arguments: BASE HEAD (each a synthesized stack path or a git ref)');
  const synthesized = new Map<string, Json>();
  const load = (side: string): Json => {
    if (fs.existsSync(side)) return readSynthesizedStack(side, values.stack).tf;
    let commit: string;
    try {
      commit = git(['rev-parse', '--verify', `${side}^{commit}`]);
    } catch {
      throw new Error(`${side} is neither a file or folder nor a git ref`);
    }
    if (!synthesized.has(commit)) synthesized.set(commit, synthesizeCommit(commit, values.stack));
    return synthesized.get(commit);
  };
  const [baseLabel, headLabel] = positionals;
  const diff = diffPlans(load(baseLabel), load(headLabel));
  process.stdout.write(renderPlanDiff(diff, baseLabel, headLabel));
  return diff.dangerous ? 2 : 0;
}

try {
  process.exit(main());
} catch (error) {
  process.stderr.write(`plan-diff: ${(error as Error).message}\n`);
  process.exit(1);
}
