import { spawnSync } from 'child_process';

/**
 * Suites that need a real program (NGINX, testssl) run only where it is installed. Missing
 * on a developer's machine, they are skipped with a message saying what to install; under
 * CI=true a missing program is a failure, so CI can never pass by skipping them.
 */
export function describeWhenAvailable(
  title: string,
  available: boolean,
  install: string,
  body: () => void,
): void {
  if (available) {
    describe(title, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('has the programs it needs', () => {
        throw new Error(`Missing under CI: ${install}`);
      });
    });
    return;
  }
  // eslint-disable-next-line no-console
  console.warn(`Skipping "${title}": ${install}`);
  // Skipped on purpose: the program is not installed on this machine (never under CI).
  describe.skip(title, body);
}

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}
