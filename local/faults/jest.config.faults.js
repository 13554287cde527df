// Not named jest.config.js: `npm test` runs every workspace's jest.config.js, and this suite
// has its own command (`npm run test:faults`), run by .ci/run after `npm test`.
module.exports = require('../../jest.base.js')(__dirname, {
  // One stack for the whole suite, scenarios in order: faults build on each other's state.
  testTimeout: 600_000,
});
