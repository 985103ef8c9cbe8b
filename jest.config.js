/** Unit tests sit next to the code they test (src/**\/*.spec.ts); e2e tests live in test/. */
module.exports = {
  testEnvironment: '<rootDir>/test/support/shared-native-environment.js',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/*.browser-e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: { '^onnxruntime-node$': '<rootDir>/test/support/onnxruntime-shared.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // No Postgres listening and DATABASE_URL unset: a private Postgres serves the run (test/support/global-setup.ts).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
