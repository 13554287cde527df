const path = require('path');

const config = require('../jest.base.js')(__dirname, {
  // The production build of `next build` holds no tests, and its copies of package.json must not
  // be taken for modules.
  testPathIgnorePatterns: ['/node_modules/', '/\\.next/'],
  modulePathIgnorePatterns: ['<rootDir>/\\.next/'],
  // The client's build is made once, before any test file starts the client (see the file).
  globalSetup: path.join(__dirname, 'test/build-client.ts'),
});
// The local stack the browser journeys start imports the mail sink: from its sources, as the other
// local packages are mapped in jest.base.js (its package's main is a build that need not exist).
config.moduleNameMapper['^@ticketing/mail-sink$'] = path.join(__dirname, '../local/mail/src');
module.exports = config;
