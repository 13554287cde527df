module.exports = require('../jest.base.js')(__dirname, {
  // images/ is its own suite (`npm run test:images`): it builds and runs the container images.
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/images/'],
});
