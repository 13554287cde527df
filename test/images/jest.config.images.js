// Not named jest.config.js: `npm test` leaves this suite out (test/jest.config.js ignores this
// folder); it has its own command, `npm run test:images`, run by .ci/run after the fault suite.
module.exports = require('../../jest.base.js')(__dirname, {
  // One set of images and containers for the whole suite, steps in order: each builds on the last.
  testTimeout: 900_000,
});
