import { startTestServer, type TestServer } from './server-process';

export type TestNatsServer = TestServer;

/** Spawns `nats-server` with JetStream on a free loopback port and a temporary store. */
export function startNatsServer(): Promise<TestNatsServer> {
  return startTestServer({
    command: 'nats-server',
    urlScheme: 'nats',
    args: (port, dataDir) => ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dataDir],
    readyLine: 'Server is ready',
  });
}
