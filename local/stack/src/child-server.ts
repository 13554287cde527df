import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { StackStartError } from './errors';

export interface ChildServerSpec {
  /** Component name used in messages, e.g. 'nats'. */
  name: string;
  command: string;
  args: string[];
  /** The server's stdout and stderr are appended here. */
  logFile: string;
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
const READY_POLL_INTERVAL_MS = 50;

/** Spawns a server binary and resolves once `isReady` says it serves clients. */
export async function startChildServer(spec: ChildServerSpec): Promise<ChildServer> {
  mkdirSync(path.dirname(spec.logFile), { recursive: true });
  const logFd = openSync(spec.logFile, 'a');
  // Own process group: a Ctrl-C in the terminal reaches only the launcher, which then
  // stops the servers itself, in order, instead of them dying on their own.
  const child = spawn(spec.command, spec.args, { stdio: ['ignore', logFd, logFd], detached: true });
  closeSync(logFd); // the child holds its own copy

  let exitMessage: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exitMessage = `could not run ${spec.command}: ${error.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exitMessage = signal ? `${spec.name} was killed by ${signal}` : `${spec.name} exited with code ${code}`;
      resolve();
    });
  });
  // If the launcher dies without stopping the stack, its servers must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping = false;
  const stop = async () => {
    stopping = true;
    process.off('exit', killOnExit);
    if (exitMessage !== undefined) return;
    child.kill('SIGTERM');
    const forceKill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(forceKill);
  };

  const deadline = Date.now() + spec.startTimeoutMs;
  for (;;) {
    if (exitMessage !== undefined) {
      await stop();
      const lastLine = lastLineOf(spec.logFile) ?? 'nothing logged';
      throw new StackStartError(spec.name, `${exitMessage} while starting: ${lastLine} (see ${spec.logFile})`);
    }
    if (await spec.isReady()) break;
    if (Date.now() > deadline) {
      await stop();
      throw new StackStartError(
        spec.name,
        `${spec.name} not ready after ${spec.startTimeoutMs} ms (see ${spec.logFile})`,
      );
    }
    await delay(READY_POLL_INTERVAL_MS);
  }

  void exited.then(() => {
    if (!stopping) spec.onUnexpectedExit(`${exitMessage} (see ${spec.logFile})`);
  });
  return { stop };
}

function lastLineOf(file: string): string | undefined {
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  return lines[lines.length - 1] || undefined;
}
