import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * npm run check-settings: which file it reads, and that a file the user names is never
 * silently swapped for another (or for the defaults).
 */
const ROOT = path.join(__dirname, '..');

function checkSettings(args: string[], env: Record<string, string> = {}, cwd = ROOT): { status: number | null; stdout: string; stderr: string } {
  const { BLOG_SETTINGS: _ignored, ...inherited } = process.env;
  const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--prefer-ts-exts', path.join(ROOT, 'tools', 'check-settings.ts'), ...args], {
    cwd,
    env: { ...inherited, ...env },
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('check-settings', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'check-settings-'));
  const bad = path.join(work, 'bad.json');
  const good = path.join(work, 'good.json');
  beforeAll(() => {
    fs.writeFileSync(bad, JSON.stringify({ ghost: { memoryMb: 'lots' } }));
    fs.writeFileSync(good, JSON.stringify({ name: 'checked-blog' }));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('checks the file named on the command line, before BLOG_SETTINGS', () => {
    const result = checkSettings([bad], { BLOG_SETTINGS: good });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/ghost\.memoryMb/);
    expect(result.stderr).toContain('"lots"');
  });

  it('says which file it found valid', () => {
    const result = checkSettings(['blog.settings.example.json']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('Settings in blog.settings.example.json are valid.\n');
  });

  it('checks the file named by BLOG_SETTINGS when none is named on the command line', () => {
    const result = checkSettings([], { BLOG_SETTINGS: bad });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/ghost\.memoryMb/);
  });

  it('refuses a named file that does not exist, rather than check the defaults', () => {
    const result = checkSettings([path.join(work, 'missing.json')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Settings file ${path.join(work, 'missing.json')} does not exist.`);
  });

  it('refuses more than one file', () => {
    const result = checkSettings([good, bad]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/at most one settings file; got 2 arguments/);
  });

  it('falls back to the defaults when no file is named and blog.settings.json is absent', () => {
    const result = checkSettings([], {}, work);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('Settings (the defaults) are valid.\n');
  });
});
