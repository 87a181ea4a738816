/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  // The end-to-end suites run inside a network namespace: npm run test:e2e.
  testPathIgnorePatterns: ['/node_modules/', '\\.e2e\\.test\\.ts$'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFilesAfterEnv: ['<rootDir>/test-support/setup.js'],
  // The real-NGINX suites start servers; two workers keep a 2-core machine responsive.
  maxWorkers: 2,
  testTimeout: 60000,
};
