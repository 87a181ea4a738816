/**
 * The end-to-end suites: a real Ghost, MariaDB, Chromium and the generated proxy on ports 80
 * and 443. Run by `npm run test:e2e`, which runs Jest inside a network namespace of its own.
 * One suite at a time: they share the namespace's ports.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.e2e.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFilesAfterEnv: ['<rootDir>/test-support/setup.js'],
  maxWorkers: 1,
  testTimeout: 180000,
};
