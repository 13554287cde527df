import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A free TCP port on 127.0.0.1, found by letting the OS pick one and releasing it. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface ServerProcessSpec {
  command: string;
  args: string[];
  /** A line in the server's output that says it accepts clients. */
  readyLine: string;
  startTimeoutMs?: number;
}

/**
 * A server binary run as a child process. `start()` resolves once the server logs
 * its ready line, so tests never guess with sleeps; `kill()` waits for the exit.
 */
export class ServerProcess {
  private child: ChildProcess | undefined;
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  constructor(private readonly spec: ServerProcessSpec) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error(`${this.spec.command} is already running`);
    const child = spawn(this.spec.command, this.spec.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // A test run that dies must not leave servers behind.
    process.once('exit', this.killOnExit);

    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(new Error(`${this.spec.command} not ready after ${this.spec.startTimeoutMs ?? 10_000} ms:\n${output}`));
      }, this.spec.startTimeoutMs ?? 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(this.spec.readyLine)) {
          cleanup();
          resolve();
        }
      };
      const onExit = (code: number | null) => {
        fail(new Error(`${this.spec.command} exited with code ${code} before being ready:\n${output}`));
      };
      const onError = (err: Error) => fail(err);
      const cleanup = () => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      const fail = (err: Error) => {
        cleanup();
        child.kill('SIGKILL');
        this.child = undefined;
        process.off('exit', this.killOnExit);
        reject(err);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    });
    // Keep draining the pipes so a chatty server never blocks on a full buffer.
    child.stdout?.resume();
    child.stderr?.resume();
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    process.off('exit', this.killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}

/** A server spawned for one test file, on a free loopback port with a temporary data dir. */
export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server, keeping its port and data for `restart()`. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port with the same data (stops it first if running). */
  restart(): Promise<void>;
  /** Starts the server again on the same port with its data gone, as after losing its storage. */
  restartEmpty(): Promise<void>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

export interface TestServerSpec {
  command: string;
  urlScheme: string;
  args(port: number, dataDir: string): string[];
  readyLine: string;
}

export async function startTestServer(spec: TestServerSpec): Promise<TestServer> {
  const port = await findFreePort();
  const dataDir = await makeTempDir(`ticketing-${spec.command}-`);
  const server = new ServerProcess({
    command: spec.command,
    args: spec.args(port, dataDir),
    readyLine: spec.readyLine,
  });
  try {
    await server.start();
  } catch (err) {
    await removeDir(dataDir);
    throw err;
  }
  return {
    url: `${spec.urlScheme}://127.0.0.1:${port}`,
    port,
    dataDir,
    kill: (signal) => server.kill(signal),
    restart: async () => {
      await server.kill();
      await server.start();
    },
    restartEmpty: async () => {
      await server.kill();
      await removeDir(dataDir);
      await mkdir(dataDir);
      await server.start();
    },
    stop: async () => {
      await server.kill();
      await removeDir(dataDir);
    },
  };
}
