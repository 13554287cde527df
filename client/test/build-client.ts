// jest globalSetup of the client project: makes the client's production build when it is stale,
// before any test file runs. Three test files start the client (the browser journeys, the account
// page's test and local/stack/test/client.test.ts), and the stack builds a stale client when it
// starts it: in two jest workers side by side, the second build would wait for the first, then
// delete its output under the server the first file had started.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clientBuildIsStale } from '../../local/stack/src/build';

export default function buildClient(): void {
  if (!clientBuildIsStale()) return;
  const clientDir = path.resolve(__dirname, '..');
  const next = require.resolve('next/dist/bin/next', { paths: [clientDir] });
  const log = openSync(path.join(tmpdir(), 'ticketing-client-build.log'), 'w');
  try {
    // As the stack builds it (local/stack/src/client.ts). A failure is not reported here, where it
    // would stop every project's tests: the stack builds again when a test starts the client,
    // and that test fails saying why.
    spawnSync(process.execPath, [next, 'build', clientDir], {
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
}
