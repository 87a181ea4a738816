import * as fs from 'fs';
import * as path from 'path';
import { Browser, chromium } from 'playwright-core';
import { ARTIFACTS_DIR } from '../tools/real-ghost-paths';

/**
 * Debian's Chromium, driven by playwright-core, as the end-to-end tests use it: headless,
 * with everything that would call the internet turned off (the namespace has none).
 */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
  });
}

/** Where a test keeps a screenshot for CI to collect. */
export function artifactPath(name: string): string {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, name);
}
