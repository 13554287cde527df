import type { Server } from 'node:http';
import type { LiveStreams } from './live-streams';
import type { Logger } from './logger';

/** One thing to stop on shutdown, e.g. `{ name: 'nats', run: () => nc.drain() }`. */
export interface ShutdownStep {
  name: string;
  run: () => unknown;
}

export interface ShutdownOptions {
  /** Closed first, so no new request starts while the steps tear down what requests use. */
  server?: Server;
  /** Ended before the server closes, which would otherwise wait for them forever (see LiveStreams). */
  liveStreams?: LiveStreams;
  /** Run one after the other, in this order, after the server has closed. */
  steps: ShutdownStep[];
  logger: Logger;
  /**
   * How long the server keeps serving after shutdown starts, answering every request with
   * `Connection: close`, before it stops listening and closes its idle connections. Default 500 ms.
   */
  drainMs?: number;
  /** After this long the process exits with 1 whatever is still running. Default 10 s. */
  timeoutMs?: number;
  /** Injected by tests; process.exit otherwise. */
  exit?: (code: number) => void;
}

export type Shutdown = (reason: string) => Promise<void>;

// How often idle keep-alive connections are closed while in-flight requests finish.
const IDLE_SWEEP_MS = 100;

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    // close() only closes the connections idle at that moment; one whose request is
    // still running stays open after its response (keep-alive) and would hold close()
    // until keepAliveTimeout. So keep closing the ones that have become idle.
    const idleSweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    server.close((err) => {
      clearInterval(idleSweep);
      // A server that never listened has nothing to close.
      if (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(err);
      else resolve();
    });
  });
}

/**
 * Closing a kept-alive connection that looks idle races with the proxy in front (the gateway,
 * ingress-nginx) sending its next request on it, which then fails with a reset the proxy cannot
 * safely retry (a POST). So first every answer says `Connection: close`: the proxy closes each
 * connection it uses after its answer and stops reusing it. Whatever is still open after `drainMs`
 * went unused that long, and closing it is no longer a race in practice.
 */
async function drainConnections(server: Server, drainMs: number): Promise<void> {
  if (!server.listening) return;
  server.prependListener('request', (_req, res) => res.setHeader('Connection', 'close'));
  const deadline = Date.now() + drainMs;
  while (Date.now() < deadline && (await openConnections(server)) > 0) {
    await new Promise((resolve) => setTimeout(resolve, IDLE_SWEEP_MS));
  }
}

function openConnections(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((err, count) => resolve(err ? 0 : count)));
}

/**
 * The shutdown sequence, without any signal wiring: end the live streams, drain kept-alive
 * connections (see drainConnections), stop accepting connections, let in-flight requests finish, run the steps in order, exit 0. A step that fails is
 * logged and the others still run (closing MongoDB matters even if NATS would not
 * drain), then the exit code is 1. Calling it again while it runs, or reaching the
 * timeout, exits 1 at once.
 */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const {
    server,
    liveStreams,
    steps,
    logger,
    timeoutMs = 10_000,
    drainMs = 500,
    exit = (code: number) => process.exit(code),
  } = options;
  let started = false;
  let exited = false;
  // The timeout may fire while steps still run; whichever comes first decides the exit code.
  const exitOnce = (code: number): void => {
    if (exited) return;
    exited = true;
    exit(code);
  };

  return async function shutdown(reason: string): Promise<void> {
    if (started) {
      logger.warn({ reason }, 'Shutdown requested again, exiting now');
      exitOnce(1);
      return;
    }
    started = true;
    logger.info({ reason }, 'Shutting down');

    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'Shutdown timed out, exiting now');
      exitOnce(1);
    }, timeoutMs);

    let failed = false;
    liveStreams?.closeAll();
    if (server) {
      try {
        await drainConnections(server, drainMs);
        await closeServer(server);
        logger.info('HTTP server closed');
      } catch (err) {
        failed = true;
        logger.error({ err }, 'Closing the HTTP server failed');
      }
    }
    for (const step of steps) {
      try {
        await step.run();
        logger.info({ step: step.name }, 'Shutdown step done');
      } catch (err) {
        failed = true;
        logger.error({ err, step: step.name }, 'Shutdown step failed');
      }
    }

    clearTimeout(timer);
    logger.info('Shutdown complete');
    exitOnce(failed ? 1 : 0);
  };
}

/**
 * createShutdown wired to SIGTERM (Kubernetes) and SIGINT (Ctrl-C). Returns the
 * shutdown function so main.ts can also call it on a fatal error.
 */
export function gracefulShutdown(options: ShutdownOptions): Shutdown {
  const shutdown = createShutdown(options);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void shutdown(signal));
  }
  return shutdown;
}
