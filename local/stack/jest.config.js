const path = require('path');

const config = require('../../jest.base.js')(__dirname);
// The mail sink from its sources, as the other local packages are mapped in jest.base.js (which
// does not map it yet): its package's main is a build that need not exist.
config.moduleNameMapper['^@ticketing/mail-sink$'] = path.join(__dirname, '../mail/src');
module.exports = config;
