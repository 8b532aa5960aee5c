/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.json' }],
  },
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  testTimeout: 120_000,
  // Each file starts its own Temporal test server (a JVM); two at a time fits two cores.
  maxWorkers: 2,
};
