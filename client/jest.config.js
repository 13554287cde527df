const path = require('path');

module.exports = require('../jest.base.js')(__dirname, {
  // The production build of `next build` holds no tests, and its copies of package.json must not
  // be taken for modules.
  testPathIgnorePatterns: ['/node_modules/', '/\\.next/'],
  modulePathIgnorePatterns: ['<rootDir>/\\.next/'],
  // The client's build is made once, before any test file starts the client (see the file).
  globalSetup: path.join(__dirname, 'test/build-client.ts'),
});
