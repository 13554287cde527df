import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { StackStartError } from './errors';

export interface ChildServerSpec {
  /** Name used in messages, e.g. 'nats' or 'orders#2'. */
  name: string;
  command: string;
  args: string[];
  /** Added to the launcher's environment. */
  env?: Record<string, string>;
  /** The server's stdout and stderr are appended here, line by line. */
  logFile: string;
  /** Also told every line the server writes, e.g. to show it on the console. */
  onLine?: (line: string) => void;
  /** How a logged line reads in an error message; the line itself by default. */
  describeLine?: (line: string) => string;
  /** Resolves true once the server serves clients; polled until then. */
  isReady: () => Promise<boolean>;
  startTimeoutMs: number;
  /** Called if the server exits while the stack runs, i.e. not through stop(). */
  onUnexpectedExit: (message: string) => void;
}

export interface ChildServer {
  /** Asks the server to shut down (SIGTERM, SIGKILL after a grace period) and waits until it has. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 10_000;
const READY_POLL_INTERVAL_MS = 100;

// If the launcher dies without stopping the stack, its servers must not outlive it. One
// 'exit' listener for all of them: a stack with replicas has more than process's listener limit.
const killersOnExit = new Set<() => void>();
process.on('exit', () => {
  for (const kill of killersOnExit) kill();
});

/** Spawns a server and resolves once `isReady` says it serves clients. */
export async function startChildServer(spec: ChildServerSpec): Promise<ChildServer> {
  mkdirSync(path.dirname(spec.logFile), { recursive: true });
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  // Own process group: a Ctrl-C in the terminal reaches only the launcher, which then
  // stops the servers itself, in order, instead of them dying on their own.
  const child = spawn(spec.command, spec.args, {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });

  let lastLine: string | undefined;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      log.write(`${line}\n`);
      if (line.trim() !== '') lastLine = line;
      spec.onLine?.(line);
    });
  }

  let exitMessage: string | undefined;
  // 'close' comes after the output has been read to the end, so lastLine is the real last line.
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exitMessage = `could not run ${spec.command}: ${error.message}`;
      resolve();
    });
    child.once('close', (code, signal) => {
      exitMessage ??= signal ? `${spec.name} was killed by ${signal}` : `${spec.name} exited with code ${code}`;
      resolve();
    });
  }).then(() => new Promise<void>((resolve) => log.end(resolve)));

  // SIGKILL goes to the whole group: a server may have children of its own (node --watch).
  const killGroup = () => {
    if (child.pid === undefined || exitMessage !== undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  };
  killersOnExit.add(killGroup);

  let stopping = false;
  const stop = async () => {
    stopping = true;
    killersOnExit.delete(killGroup);
    if (exitMessage === undefined) {
      // SIGTERM to the server alone: it stops its own children, and a second signal
      // would cut its graceful shutdown short.
      child.kill('SIGTERM');
      const forceKill = setTimeout(killGroup, STOP_GRACE_MS);
      await exited;
      clearTimeout(forceKill);
    }
    await exited;
  };

  const describe = (line: string) => (spec.describeLine ? spec.describeLine(line) : line);
  const deadline = Date.now() + spec.startTimeoutMs;
  for (;;) {
    if (exitMessage !== undefined) {
      await stop();
      const last = lastLine === undefined ? 'nothing logged' : describe(lastLine);
      throw new StackStartError(spec.name, `${exitMessage} while starting: ${last} (see ${spec.logFile})`);
    }
    if (await spec.isReady()) break;
    if (Date.now() > deadline) {
      await stop();
      const last = lastLine === undefined ? 'nothing logged' : `last logged: ${describe(lastLine)}`;
      throw new StackStartError(
        spec.name,
        `${spec.name} not ready after ${spec.startTimeoutMs / 1000} s; ${last} (see ${spec.logFile})`,
      );
    }
    await delay(READY_POLL_INTERVAL_MS);
  }

  void exited.then(() => {
    if (stopping) return;
    const last = lastLine === undefined ? '' : `: ${describe(lastLine)}`;
    spec.onUnexpectedExit(`${exitMessage}${last} (see ${spec.logFile})`);
  });
  return { stop };
}
