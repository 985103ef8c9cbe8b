/** Unit tests sit next to the code they test (src/**\/*.spec.ts); e2e tests live in test/. */
module.exports = {
  testEnvironment: '<rootDir>/test/support/shared-native-environment.js',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/*.browser-e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: { '^onnxruntime-node$': '<rootDir>/test/support/onnxruntime-shared.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  maxWorkers: 2,
};
