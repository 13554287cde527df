import { findFreePort, makeTempDir, removeDir, ServerProcess } from './server-process';

export interface TestNatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** Stops the server, keeping its port and JetStream store for `restart()`. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port with the same store (stops it first if running). */
  restart(): Promise<void>;
  /** Stops the server and removes its store. */
  stop(): Promise<void>;
}

/** Spawns `nats-server` with JetStream on a free loopback port and a temporary store. */
export async function startNatsServer(): Promise<TestNatsServer> {
  const port = await findFreePort();
  const storeDir = await makeTempDir('ticketing-nats-');
  const server = new ServerProcess({
    command: 'nats-server',
    args: ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir],
    readyLine: 'Server is ready',
  });
  try {
    await server.start();
  } catch (err) {
    await removeDir(storeDir);
    throw err;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    kill: (signal) => server.kill(signal),
    restart: async () => {
      await server.kill();
      await server.start();
    },
    stop: async () => {
      await server.kill();
      await removeDir(storeDir);
    },
  };
}
