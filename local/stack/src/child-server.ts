import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { StackStartError } from './errors';

interface LoggedCommandSpec {
  /** Name used in messages, e.g. 'nats' or 'orders#2'. */
  name: string;
  command: string;
  args: string[];
  /** Added to the launcher's environment. */
  env?: Record<string, string>;
  /** The command's stdout and stderr are appended here, line by line. */
  logFile: string;
  /** Also told every line the command writes, e.g. to show it on the console. */
  onLine?: (line: string) => void;
  /**
   * How a logged line reads in an error message, undefined for a line that says nothing of what
   * went wrong; the line itself by default.
   */
  describeLine?: (line: string) => string | undefined;
}

export interface ChildServerSpec extends LoggedCommandSpec {
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
/** A line of a stack trace: never the line that says what went wrong. */
const STACK_FRAME = /^\s+at /;
const NOTHING_TELLING = 'nothing logged that says why';

// If the launcher dies without stopping the stack, its servers must not outlive it. One
// 'exit' listener for all of them: a stack with replicas has more than process's listener limit.
const killersOnExit = new Set<() => void>();
process.on('exit', () => {
  for (const kill of killersOnExit) kill();
});

interface LoggedProcess {
  child: ChildProcess;
  /** How it ended ('orders exited with code 1'); undefined while it runs. */
  exitMessage(): string | undefined;
  /** Whether it ran and exited with code 0. */
  succeeded(): boolean;
  /** Resolves once it has exited and all its output is logged. */
  exited: Promise<void>;
  /** The last line it wrote that says something, as describeLine puts it. */
  lastLine(): string | undefined;
}

/** Spawns a command whose output goes to its log file (and onLine) line by line. */
function spawnLogged(spec: LoggedCommandSpec, detached: boolean): LoggedProcess {
  mkdirSync(path.dirname(spec.logFile), { recursive: true });
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const child = spawn(spec.command, spec.args, {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });

  const describe = spec.describeLine ?? ((line: string) => line);
  let lastLine: string | undefined;
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      log.write(`${line}\n`);
      const described = STACK_FRAME.test(line) ? undefined : describe(line);
      if (described !== undefined && described.trim() !== '') lastLine = described;
      spec.onLine?.(line);
    });
  }

  let exitMessage: string | undefined;
  let exitCode: number | null = null;
  // 'close' comes after the output has been read to the end, so lastLine is the real last line.
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exitMessage = `could not run ${spec.command}: ${error.message}`;
      resolve();
    });
    child.once('close', (code, signal) => {
      exitCode = code;
      exitMessage ??= signal ? `${spec.name} was killed by ${signal}` : `${spec.name} exited with code ${code}`;
      resolve();
    });
  }).then(() => new Promise<void>((resolve) => log.end(resolve)));

  return {
    child,
    exitMessage: () => exitMessage,
    succeeded: () => exitMessage !== undefined && exitCode === 0,
    exited,
    lastLine: () => lastLine,
  };
}

/** Spawns a server and resolves once `isReady` says it serves clients. */
export async function startChildServer(spec: ChildServerSpec): Promise<ChildServer> {
  // Own process group: a Ctrl-C in the terminal reaches only the launcher, which then
  // stops the servers itself, in order, instead of them dying on their own.
  const server = spawnLogged(spec, true);
  const { child, exited } = server;

  // SIGKILL goes to the whole group: a server may have children of its own (node --watch).
  const killGroup = () => {
    if (child.pid === undefined || server.exitMessage() !== undefined) return;
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
    if (server.exitMessage() === undefined) {
      // SIGTERM to the server alone: it stops its own children, and a second signal
      // would cut its graceful shutdown short.
      child.kill('SIGTERM');
      const forceKill = setTimeout(killGroup, STOP_GRACE_MS);
      await exited;
      clearTimeout(forceKill);
    }
    await exited;
  };

  const deadline = Date.now() + spec.startTimeoutMs;
  for (;;) {
    const exitMessage = server.exitMessage();
    if (exitMessage !== undefined) {
      await stop();
      throw new StackStartError(
        spec.name,
        `${exitMessage} while starting: ${server.lastLine() ?? NOTHING_TELLING} (see ${spec.logFile})`,
      );
    }
    if (await spec.isReady()) break;
    if (Date.now() > deadline) {
      await stop();
      const last = server.lastLine();
      throw new StackStartError(
        spec.name,
        `${spec.name} not ready after ${spec.startTimeoutMs / 1000} s; ` +
          `${last === undefined ? NOTHING_TELLING : `last logged: ${last}`} (see ${spec.logFile})`,
      );
    }
    await delay(READY_POLL_INTERVAL_MS);
  }

  void exited.then(() => {
    if (stopping) return;
    const last = server.lastLine();
    spec.onUnexpectedExit(`${server.exitMessage()}${last === undefined ? '' : `: ${last}`} (see ${spec.logFile})`);
  });
  return { stop };
}

/**
 * Runs a command to its end (a build), its output logged like a server's; rejects with a
 * StackStartError naming `component` if it fails. It stays in the launcher's process group:
 * a Ctrl-C in the terminal ends it at once, and there is nothing to stop in order.
 */
export async function runToCompletion(component: string, spec: LoggedCommandSpec): Promise<void> {
  const command = spawnLogged(spec, false);
  const kill = () => command.child.kill('SIGTERM');
  killersOnExit.add(kill);
  await command.exited;
  killersOnExit.delete(kill);
  if (!command.succeeded()) {
    const last = command.lastLine() ?? NOTHING_TELLING;
    throw new StackStartError(component, `${command.exitMessage()}: ${last} (see ${spec.logFile})`);
  }
}
