// Each test file starts NATS, the database engine, the mail sink and the listeners, and waits on
// SMTP retries and redeliveries: on a busy machine that outlasts jest's default of 5 s.
module.exports = require('../jest.base.js')(__dirname, { testTimeout: 30_000 });
