import { startTestServer, type TestServer } from './server-process';

export type TestRedisServer = TestServer;

/** Spawns `redis-server` with append-only persistence on a free loopback port. */
export function startRedisServer(): Promise<TestRedisServer> {
  return startTestServer({
    command: 'redis-server',
    urlScheme: 'redis',
    args: (port, dataDir) => [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--dir',
      dataDir,
    ],
    readyLine: 'Ready to accept connections',
  });
}
