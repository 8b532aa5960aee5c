/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.json' }],
  },
};

module.exports = {
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  testTimeout: 120_000,
  // Each file starts its own Temporal test server (a JVM); two at a time fits two cores.
  maxWorkers: 2,
  projects: [
    { ...shared, displayName: 'default', testMatch: ['**/*.test.ts'] },
    // The workflow suite again on workers without a cache: every activation and every query
    // replays the run, so a nondeterminism shows at the very task that diverges. Left out: the
    // recorded corpus (replayed once, above), the invariants test (keeps a cache on purpose) and
    // dispatch.test.ts (it skips hours past four dispatchers whose minute sweeps each replay a
    // growing history: 100 s to 440 s without a cache; CONVOFLOW_TEST_WORKFLOW_CACHE=0 npx jest
    // --selectProjects default -- test/workflows/dispatch runs it). See docs/replay-corpus.md.
    {
      ...shared,
      displayName: 'no-cache',
      testMatch: ['<rootDir>/test/workflows/*.test.ts'],
      testPathIgnorePatterns: ['/replay-corpus\\.test\\.ts$', '/invariants\\.test\\.ts$', '/dispatch\\.test\\.ts$'],
      setupFiles: ['<rootDir>/test/helpers/no-workflow-cache.js'],
    },
  ],
};
