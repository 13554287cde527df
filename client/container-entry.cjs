// The client image's entry point (client/Dockerfile): Next.js's standalone server.js, with one change.
// On SIGTERM that server shuts down gracefully (it stops accepting connections, finishes the requests
// in flight and closes its caches) and then exits with 143, the code of a process killed by the
// signal. A stop that finished its work is a clean exit: 0, as the services exit, so that the
// orchestrator's record of the container says it stopped cleanly.
const exit = process.exit.bind(process);
const EXIT_CODE_AFTER_SIGTERM = 143;
process.once('SIGTERM', () => {
  process.exit = (code) => exit(code === EXIT_CODE_AFTER_SIGTERM ? 0 : code);
});
require('./server.js');
