// Shared jest settings: TypeScript through swc (type checking is `npm run typecheck`),
// workspace packages resolved to their sources so tests never need a build first.
const path = require('path');

const root = __dirname;

module.exports = (packageDir, overrides = {}) => ({
  rootDir: packageDir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Every response status a test sees from a service's route must be in that service's OpenAPI document.
  setupFilesAfterEnv: [path.join(root, 'common/src/testing/documented-responses.setup.ts')],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  moduleNameMapper: {
    '^@ticketing/common$': path.join(root, 'common/src'),
    '^@ticketing/common/testing$': path.join(root, 'common/src/testing'),
    '^@ticketing/embedded-mongo$': path.join(root, 'local/mongo/src'),
    '^@ticketing/fake-stripe$': path.join(root, 'local/stripe/src'),
    '^@ticketing/mail-sink$': path.join(root, 'local/mail/src'),
  },
  ...overrides,
});
