import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SETTINGS_FILE_VARIABLE } from '../core/settings-file';
import { Json, readSynthesizedStack } from '../core/terraform-json';

/**
 * Synthesizes a checkout's main.ts as `cdktf synth` does, into a temporary folder removed
 * afterwards, and returns the stack's Terraform JSON. Tools use it to read a plan without
 * importing the constructs (which would load cdktf into them).
 */
export interface SynthesizeOptions {
  /** The project folder: this checkout, or a worktree of another commit. @default this checkout */
  readonly root?: string;
  /** A settings file for BLOG_SETTINGS. @default the checkout's blog.settings.json, or the defaults */
  readonly settingsFile?: string;
  /** The stack to return, when the settings name one. @default the only stack */
  readonly stack?: string;
}

export const PROJECT_ROOT = path.join(__dirname, '..');

export function synthesizeStack(options: SynthesizeOptions = {}): Json {
  const root = options.root ?? PROJECT_ROOT;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
  try {
    execFileSync(path.join(root, 'node_modules', '.bin', 'ts-node'), ['--prefer-ts-exts', 'main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        CDKTF_OUTDIR: outdir,
        CHECKPOINT_DISABLE: '1',
        ...(options.settingsFile !== undefined ? { [SETTINGS_FILE_VARIABLE]: options.settingsFile } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return readSynthesizedStack(outdir, options.stack).tf;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
