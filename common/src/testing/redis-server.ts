import { findFreePort, makeTempDir, removeDir, ServerProcess } from './server-process';

export interface TestRedisServer {
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server, keeping its port and append-only file for `restart()`. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port with the same data (stops it first if running). */
  restart(): Promise<void>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

/** Spawns `redis-server` with append-only persistence on a free loopback port. */
export async function startRedisServer(): Promise<TestRedisServer> {
  const port = await findFreePort();
  const dataDir = await makeTempDir('ticketing-redis-');
  const server = new ServerProcess({
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dataDir],
    readyLine: 'Ready to accept connections',
  });
  try {
    await server.start();
  } catch (err) {
    await removeDir(dataDir);
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dataDir,
    kill: (signal) => server.kill(signal),
    restart: async () => {
      await server.kill();
      await server.start();
    },
    stop: async () => {
      await server.kill();
      await removeDir(dataDir);
    },
  };
}
