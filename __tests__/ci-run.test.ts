import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { commandExists, describeWhenAvailable } from '../test-support/required-tools';

/**
 * `.ci/run` is the one shell script in the repository and the first thing CI executes on a
 * fresh machine; a quoting slip there shows up only as a red run. shellcheck reads it here.
 */
const CI_RUN = path.join(__dirname, '..', '.ci', 'run');

describeWhenAvailable('.ci/run', commandExists('shellcheck'), 'install shellcheck', () => {
  it('passes shellcheck with no finding of any severity', () => {
    const result = spawnSync('shellcheck', ['--severity=style', '--format=gcc', CI_RUN], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('is executable, stops at the first error and ends with the README\'s test command', () => {
    expect(fs.statSync(CI_RUN).mode & 0o111).not.toBe(0);
    const script = fs.readFileSync(CI_RUN, 'utf8');
    expect(script).toMatch(/^set -euo pipefail$/m);
    // The quick start's second line: "npm ci && <test command>   # the tests ...".
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const testCommand = /^npm ci && (.+?)\s+# the tests/m.exec(readme)?.[1];
    expect(testCommand).toBeDefined();
    expect(script.trimEnd().split('\n').slice(-2)).toEqual([expect.stringMatching(/^npm ci\b/), testCommand]);
  });
});

describe('the pull-request workflow', () => {
  const workflow = fs.readFileSync(path.join(__dirname, '..', '.github', 'workflows', 'pull-request.yml'), 'utf8');

  it('runs the tests through .ci/run, so its installs cannot drift from CI', () => {
    expect(workflow).toMatch(/^\s+- run: bash \.ci\/run$/m);
    expect(workflow).not.toMatch(/^\s+- run: npm test$/m);
  });

  it('runs the end-to-end suites privileged, as they need, and keeps their screenshots', () => {
    expect(workflow).toMatch(/^\s+options: --privileged$/m);
    expect(workflow).toMatch(/uses: actions\/upload-artifact@v4\n\s+if: always\(\)\n\s+with:\n\s+name: e2e-artifacts\n\s+path: e2e-artifacts\//);
  });

  it('runs on the Debian release .ci/run pins its extra suites against', () => {
    const release = /^\s+image: debian:(\w+)$/m.exec(workflow)?.[1];
    expect(release).toBe('bookworm');
    expect(fs.readFileSync(CI_RUN, 'utf8')).toContain(`"\${VERSION_CODENAME:-}" = ${release}`);
  });
});
