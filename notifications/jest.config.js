const path = require('path');

const base = require('../jest.base.js')(__dirname);

// The mail sink the tests send to, resolved to its sources like the other workspace packages.
module.exports = {
  ...base,
  moduleNameMapper: {
    ...base.moduleNameMapper,
    '^@ticketing/mail-sink$': path.join(__dirname, '../local/mail/src'),
  },
};
