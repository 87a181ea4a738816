import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The layout the README describes, checked: pure logic in core/ (no cdktf, no constructs),
 * construct files in constructs/, tools that read synthesized JSON without loading cdktf,
 * and no import cycle anywhere.
 */
const ROOT = path.join(__dirname, '..');
const FOLDERS = ['core', 'constructs', 'tools', 'test-support'];

/** Every project module, by path relative to the root without its extension. */
function modules(): string[] {
  return [
    'main',
    ...FOLDERS.flatMap((folder) =>
      fs.readdirSync(path.join(ROOT, folder)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => `${folder}/${f.slice(0, -3)}`),
    ),
  ];
}

/** What a module imports: project modules by relative path, packages by name. */
function importsOf(module: string): { local: string[]; packages: string[] } {
  const source = fs.readFileSync(path.join(ROOT, `${module}.ts`), 'utf8');
  const specifiers = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|require\(\s*'([^']+)'\s*\)/g)]
    .map((m) => m[1] ?? m[2] ?? m[3]);
  const local = specifiers.filter((s) => s.startsWith('.')).map((s) => path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, module)), s)));
  const packages = specifiers.filter((s) => !s.startsWith('.')).map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]));
  return { local, packages };
}

const CDKTF_PACKAGES = ['cdktf', 'constructs', '@cdktf/provider-docker'];

describe('module layout', () => {
  const graph = new Map(modules().map((m) => [m, importsOf(m)]));

  it('reads the imports it checks', () => {
    expect(graph.get('constructs/blog-host-stack')!.packages).toContain('cdktf');
    expect(graph.get('constructs/blog-host-stack')!.local).toContain('core/settings');
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (module: string, trail: string[]) => {
      if (state.get(module) === 'done') return;
      if (state.get(module) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(module)), module].join(' -> '));
        return;
      }
      state.set(module, 'visiting');
      for (const next of graph.get(module)?.local ?? []) visit(next, [...trail, module]);
      state.set(module, 'done');
    };
    for (const module of graph.keys()) visit(module, []);
    expect(cycles).toEqual([]);
  });

  it('keeps core/ pure: no cdktf, no constructs, no construct files', () => {
    const impure = [...graph].filter(([m]) => m.startsWith('core/')).flatMap(([m, { local, packages }]) => [
      ...packages.filter((p) => CDKTF_PACKAGES.includes(p)).map((p) => `${m} imports ${p}`),
      ...local.filter((l) => !l.startsWith('core/')).map((l) => `${m} imports ${l}`),
    ]);
    expect(impure).toEqual([]);
  });

  it('lets tools import pure modules only', () => {
    const found = [...graph].filter(([m]) => m.startsWith('tools/')).flatMap(([m, { local, packages }]) => [
      ...packages.filter((p) => CDKTF_PACKAGES.includes(p)).map((p) => `${m} imports ${p}`),
      ...local.filter((l) => l.startsWith('constructs/')).map((l) => `${m} imports ${l}`),
    ]);
    expect(found).toEqual([]);
  });

  it('runs the review and the plan preview without loading cdktf', () => {
    const script = [
      "require('./tools/review');",
      "require('./tools/plan-diff');",
      "const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](cdktf|constructs|@cdktf)[\\\\/]/.test(f));",
      "const ours = Object.keys(require.cache).filter((f) => !f.includes('node_modules')).length;",
      'process.stdout.write(JSON.stringify({ loaded, ours }));',
    ].join('\n');
    const output = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    const { loaded, ours } = JSON.parse(output);
    expect(ours).toBeGreaterThan(3);
    expect(loaded).toEqual([]);
  }, 60_000);
});
