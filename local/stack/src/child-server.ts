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

/** When a server that exits by itself is started again, and when that is given up. */
export interface RestartPolicy {
  /** The wait before the first restart in a row; each further one waits twice as long as the one before. */
  firstDelayMs: number;
  /** The longest wait before a restart. */
  maxDelayMs: number;
  /** Once a server has been up this long, its next restart is the first in a row again. */
  stableAfterMs: number;
  /** Restarts are given up once this many starts in a row have ended before the server was ready. */
  maxFailedStarts: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  firstDelayMs: 500,
  maxDelayMs: 10_000,
  stableAfterMs: 30_000,
  maxFailedStarts: 5,
};

export interface ChildServerSpec extends LoggedCommandSpec {
  /** Resolves true once the server serves clients; polled until then. */
  isReady: () => Promise<boolean>;
  /** How long each start may take to be ready, the first one and every restart. */
  startTimeoutMs: number;
  /**
   * One line for each restart after the server exited by itself, and one when it is back:
   * 'orders#2 was killed by SIGKILL; restarting in 0.5 s (restart 1)', 'orders#2 is back'.
   */
  onNotice: (message: string) => void;
  /**
   * Called once restarts are given up (see RestartPolicy.maxFailedStarts), with why the last start
   * failed. The server then stays down until restart() is called.
   */
  onGiveUp: (message: string) => void;
  restartPolicy?: RestartPolicy;
}

export interface RestartOptions {
  /** SIGTERM ends the process as stop() does, gracefully; SIGKILL ends it (and its children) at once. */
  signal: 'SIGTERM' | 'SIGKILL';
  /** Runs between the end of the process and the start of the next one, e.g. to delete its data. */
  beforeStart?: () => void | Promise<void>;
}

/**
 * A server running as a child process, supervised: once it has been ready, it is started again
 * (same command, environment and port) whenever it exits by itself, after a wait that doubles
 * with each restart in a row (see RestartPolicy).
 */
export interface ChildServer {
  /** As in messages: 'nats', 'orders#2'. */
  readonly name: string;
  /**
   * The OS pid of its process while one runs (ready or still starting); undefined while it waits
   * to be restarted, after restarts were given up and once stopped.
   */
  pid(): number | undefined;
  /**
   * Sends `signal` to its process (not to the process's children). A process that exits from it is
   * restarted as after any crash. Throws when no process runs.
   */
  kill(signal: NodeJS.Signals): void;
  /**
   * Resolves once the server is ready: at once if it is, unless kill() has sent its process a
   * signal that ends a process (then once the process started after it is ready). Rejects after
   * `timeoutMs`, and when restarts are given up or the server is stopped.
   */
  whenUp(timeoutMs?: number): Promise<void>;
  /**
   * Ends its process with `signal`, then starts it again at once (no wait, and a new row of
   * restarts) and resolves once it is ready; rejects when restarts are given up or the server is
   * stopped before it is. Calls overlapping one another are carried out one after the other.
   */
  restart(options: RestartOptions): Promise<void>;
  /** Asks the server to shut down (SIGTERM, SIGKILL after a grace period) and waits until it has; no restart follows. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 10_000;
const READY_POLL_INTERVAL_MS = 100;
const DEFAULT_WHEN_UP_TIMEOUT_MS = 60_000;
/**
 * A line of a stack trace, or the version line Node writes after an uncaught error's: never the
 * line that says what went wrong.
 */
const NOT_TELLING = /^\s+at |^Node\.js v\d/;
const NOTHING_TELLING = 'nothing logged that says why';
/**
 * Signals whose default action stops, continues or leaves a process be: after one of these,
 * whenUp does not wait for a restart. Any other signal ends a process unless the program handles it.
 */
const SIGNALS_THAT_LEAVE_A_PROCESS_RUNNING = new Set<NodeJS.Signals>([
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGCONT',
  'SIGCHLD',
  'SIGURG',
  'SIGWINCH',
]);

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
  /** Whether a signal ended it. */
  killedBySignal(): boolean;
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
      const described = NOT_TELLING.test(line) ? undefined : describe(line);
      if (described !== undefined && described.trim() !== '') lastLine = described;
      spec.onLine?.(line);
    });
  }

  let exitMessage: string | undefined;
  let exitCode: number | null = null;
  let exitSignal: NodeJS.Signals | null = null;
  // 'close' comes after the output has been read to the end, so lastLine is the real last line.
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exitMessage = `could not run ${spec.command}: ${error.message}`;
      resolve();
    });
    child.once('close', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      exitMessage ??= signal ? `${spec.name} was killed by ${signal}` : `${spec.name} exited with code ${code}`;
      resolve();
    });
  }).then(() => new Promise<void>((resolve) => log.end(resolve)));

  return {
    child,
    exitMessage: () => exitMessage,
    succeeded: () => exitMessage !== undefined && exitCode === 0,
    killedBySignal: () => exitSignal !== null,
    exited,
    lastLine: () => lastLine,
  };
}

/** One run of a server's command, from its start to its exit. */
interface Run {
  process: LoggedProcess;
  /** Set once its process has exited (its output may still be being read). */
  exited: boolean;
  /** Set once it has been ready. */
  ready: boolean;
  /** Its end was asked for, by restart() or stop(): no crash. */
  endRequested: boolean;
  /** kill() has sent it a signal that ends a process: whenUp waits for the next run. */
  sentEndingSignal: boolean;
  /** It was not ready in time, and was killed for it. */
  timedOut: boolean;
}

interface UpWaiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * SIGKILL to the process group of a run: a server may have children of its own (`next dev`).
 * Nothing once its process has exited and the group been killed, as the group id may be reused.
 */
function killGroup(run: Run): void {
  if (!run.exited) signalGroup(run, 'SIGKILL');
}

function signalGroup(run: Run, signal: NodeJS.Signals): void {
  const pid = run.process.child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

class SupervisedServer implements ChildServer {
  readonly name: string;
  private readonly policy: RestartPolicy;
  private run: Run | undefined;
  /** Off during the first start: a server that cannot start the first time is an error, not restarted. */
  private supervising = false;
  private stopped = false;
  private gaveUp = false;
  /** Restarts since the server was last up for policy.stableAfterMs: how long the next one waits. */
  private restartsInRow = 0;
  private failedStartsInRow = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  /** The latest restart() call's ending and starting, which the next call waits for. */
  private restarting: Promise<void> = Promise.resolve();
  private readonly upWaiters = new Set<UpWaiter>();
  private readonly killOnLauncherExit = () => {
    if (this.run) killGroup(this.run);
  };

  constructor(private readonly spec: ChildServerSpec) {
    this.name = spec.name;
    this.policy = spec.restartPolicy ?? DEFAULT_RESTART_POLICY;
    killersOnExit.add(this.killOnLauncherExit);
  }

  /** The first start: anything that keeps the server from being ready is a StackStartError. */
  async start(): Promise<void> {
    const run = this.launch();
    const outcome = await this.awaitReady(run);
    if (outcome === 'ready') {
      run.ready = true;
      this.supervising = true;
      this.startStableTimer();
      return;
    }
    if (outcome === 'timed out') {
      // Read before it is stopped: what it logged while starting, not the steps of its shutdown.
      const last = run.process.lastLine();
      await this.stop();
      throw new StackStartError(
        this.name,
        `${this.name} not ready after ${seconds(this.spec.startTimeoutMs)}; ` +
          `${last === undefined ? NOTHING_TELLING : `last logged: ${last}`} (see ${this.spec.logFile})`,
      );
    }
    // Once stopped, its output has been read to the end.
    await this.stop();
    throw new StackStartError(
      this.name,
      `${run.process.exitMessage()} while starting: ${run.process.lastLine() ?? NOTHING_TELLING} (see ${this.spec.logFile})`,
    );
  }

  pid(): number | undefined {
    return this.run && !this.run.exited ? this.run.process.child.pid : undefined;
  }

  kill(signal: NodeJS.Signals): void {
    const run = this.run;
    if (!run || run.exited) throw new Error(`${this.name} is not running`);
    if (!SIGNALS_THAT_LEAVE_A_PROCESS_RUNNING.has(signal)) run.sentEndingSignal = true;
    run.process.child.kill(signal);
  }

  whenUp(timeoutMs = DEFAULT_WHEN_UP_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.upWaiters.delete(waiter);
        reject(new Error(`${this.name} was not up within ${seconds(timeoutMs)}`));
      }, timeoutMs);
      const waiter: UpWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waitUntilUp(waiter);
    });
  }

  async restart(options: RestartOptions): Promise<void> {
    const launched = this.restarting.then(() => this.endAndLaunch(options));
    this.restarting = launched.catch(() => undefined);
    await launched;
    await new Promise<void>((resolve, reject) => this.waitUntilUp({ resolve, reject }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.stableTimer);
    this.rejectWaiters(new Error(`${this.name} was stopped`));
    if (this.run) await this.end(this.run, 'SIGTERM');
    killersOnExit.delete(this.killOnLauncherExit);
  }

  private launch(): Run {
    // Own process group: a Ctrl-C in the terminal reaches only the launcher, which then
    // stops the servers itself, in order, instead of them dying on their own.
    const run: Run = {
      process: spawnLogged(this.spec, true),
      exited: false,
      ready: false,
      endRequested: false,
      sentEndingSignal: false,
      timedOut: false,
    };
    this.run = run;
    // Whatever the process leaves behind goes with it: its children would hold on to its port
    // (and to its output, delaying 'close').
    run.process.child.once('exit', () => {
      signalGroup(run, 'SIGKILL');
      run.exited = true;
    });
    void run.process.exited.then(() => this.handleExit(run));
    return run;
  }

  /** Polls isReady until it says yes, the run ends, or the start timeout passes. */
  private async awaitReady(run: Run): Promise<'ready' | 'ended' | 'timed out'> {
    const deadline = Date.now() + this.spec.startTimeoutMs;
    for (;;) {
      if (run.exited || run.process.exitMessage() !== undefined || run.endRequested) return 'ended';
      if (await this.spec.isReady()) return 'ready';
      if (Date.now() > deadline) return 'timed out';
      await delay(READY_POLL_INTERVAL_MS);
    }
  }

  /** Starts a run after the first and follows it until it is ready or has failed to start. */
  private relaunch(announceReturn: boolean): void {
    const run = this.launch();
    void this.awaitReady(run).then((outcome) => {
      if (outcome === 'ready' && !run.endRequested) {
        run.ready = true;
        this.failedStartsInRow = 0;
        this.startStableTimer();
        if (announceReturn) this.spec.onNotice(`${this.name} is back`);
        if (!run.sentEndingSignal) this.resolveWaiters();
      } else if (outcome === 'timed out') {
        // Its exit is then a failed start, like any other (see handleExit).
        run.timedOut = true;
        killGroup(run);
      }
    });
  }

  private handleExit(run: Run): void {
    if (this.run === run) this.run = undefined;
    if (run.ready) clearTimeout(this.stableTimer);
    if (!this.supervising || this.stopped || run.endRequested) return;
    const why = this.whyItEnded(run);
    if (!run.ready) {
      this.failedStartsInRow += 1;
      if (this.failedStartsInRow >= this.policy.maxFailedStarts) {
        this.giveUp(this.failedStartsInRow > 1 ? `${why} (${this.failedStartsInRow} times in a row)` : why);
        return;
      }
    }
    const waitMs = Math.min(this.policy.firstDelayMs * 2 ** this.restartsInRow, this.policy.maxDelayMs);
    this.restartsInRow += 1;
    this.spec.onNotice(`${why}; restarting in ${seconds(waitMs)} (restart ${this.restartsInRow})`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.relaunch(true);
    }, waitMs);
  }

  private whyItEnded(run: Run): string {
    const last = run.process.lastLine();
    const see = `(see ${this.spec.logFile})`;
    if (run.timedOut) {
      return `${this.name} was not ready within ${seconds(this.spec.startTimeoutMs)} of its restart; ${
        last === undefined ? NOTHING_TELLING : `last logged: ${last}`
      } ${see}`;
    }
    if (!run.ready) return `${run.process.exitMessage()} before it was ready: ${last ?? NOTHING_TELLING} ${see}`;
    // Killed by a signal, its last line is whatever it was doing then, not why it ended.
    if (run.process.killedBySignal()) return run.process.exitMessage()!;
    return `${run.process.exitMessage()}${last === undefined ? '' : `: ${last}`} ${see}`;
  }

  private giveUp(message: string): void {
    this.gaveUp = true;
    this.rejectWaiters(new Error(message));
    this.spec.onGiveUp(message);
  }

  private async endAndLaunch(options: RestartOptions): Promise<void> {
    const stopped = () => new Error(`${this.name} was stopped`);
    if (this.stopped) throw stopped();
    // A restart waiting for its time is replaced by this one; nothing else starts a run meanwhile.
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (this.run) await this.end(this.run, options.signal);
    await options.beforeStart?.();
    if (this.stopped) throw stopped();
    this.gaveUp = false;
    this.failedStartsInRow = 0;
    this.restartsInRow = 0;
    this.relaunch(false);
  }

  /** Ends a run on purpose and waits until it has exited. */
  private async end(run: Run, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    run.endRequested = true;
    if (signal === 'SIGKILL') {
      killGroup(run);
      await run.process.exited;
      return;
    }
    // SIGTERM to the server alone: it stops its own children, and a second signal
    // would cut its graceful shutdown short.
    if (!run.exited) run.process.child.kill('SIGTERM');
    const forceKill = setTimeout(() => killGroup(run), STOP_GRACE_MS);
    await run.process.exited;
    clearTimeout(forceKill);
  }

  private startStableTimer(): void {
    clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => {
      this.restartsInRow = 0;
    }, this.policy.stableAfterMs);
  }

  private waitUntilUp(waiter: UpWaiter): void {
    if (this.stopped) waiter.reject(new Error(`${this.name} was stopped`));
    else if (this.gaveUp) waiter.reject(new Error(`${this.name}: restarts were given up`));
    else if (this.isUp()) waiter.resolve();
    else this.upWaiters.add(waiter);
  }

  private isUp(): boolean {
    const run = this.run;
    return run !== undefined && run.ready && !run.exited && !run.sentEndingSignal && !run.endRequested;
  }

  private resolveWaiters(): void {
    for (const waiter of this.upWaiters) waiter.resolve();
    this.upWaiters.clear();
  }

  private rejectWaiters(error: Error): void {
    for (const waiter of this.upWaiters) waiter.reject(error);
    this.upWaiters.clear();
  }
}

/**
 * Spawns a server and resolves once `isReady` says it serves clients; from then on it is
 * supervised (see ChildServer). A server that exits or is not ready in time on this first start is
 * stopped and a StackStartError says why.
 */
export async function startChildServer(spec: ChildServerSpec): Promise<ChildServer> {
  const server = new SupervisedServer(spec);
  await server.start();
  return server;
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
