module.exports = require('../jest.base.js')(__dirname, {
  // common's own tests build apps that answer undocumented statuses on purpose (to test the check itself).
  setupFilesAfterEnv: [],
});
