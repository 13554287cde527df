import type { Server } from 'node:http';
import os from 'node:os';
import type { Express } from 'express';
import mongoose from 'mongoose';
import { z } from 'zod';
import { errorMessage } from '../errors/error-message';
import { connectBus, type Bus } from '../events/bus';
import type { Listener } from '../events/listener';
import { Outbox, OutboxRelay } from '../events/outbox';
import { RevokedSessions } from '../events/revoked-sessions';
import type { BaseEvent } from '../events/schemas';
import { publicOriginEnv, setPublicOrigins } from '../middlewares/cross-site';
import { commonEnv, ConfigError, loadConfig } from './config';
import { mongooseConnected, type ReadinessChecks } from './health';
import { LiveStreams } from './live-streams';
import { createLogger, type Logger } from './logger';
import { ServiceMetrics, setServiceMetrics } from './metrics';
import { gracefulShutdown, type Shutdown, type ShutdownStep } from './shutdown';
import { setupTracing, tracingEnv, type TracingConfig } from './tracing';

/** Something a service starts besides HTTP and listeners (a job worker, a sweep): stopped on shutdown. */
export interface BackgroundTask {
  name: string;
  stop(): Promise<void> | void;
}

/** What a service's parts are built from: its config and its connections. */
export interface ServiceRuntime<Config> {
  /** The service's name: its logs, its NATS client and its durable consumers are named after it. */
  name: string;
  config: Config & {
    PORT: number;
    HOST: string;
    TRUST_PROXY: string;
    PUBLIC_ORIGIN: string[];
    LOG_LEVEL: string;
    MONGO_URI?: string;
    NATS_URL?: string;
    NATS_STREAM_REPLICAS?: number;
  };
  logger: Logger;
  /** Present when the service uses NATS. */
  bus?: Bus;
  /** Present when the service uses both MongoDB and NATS: its state changes publish through it. */
  outbox?: Outbox;
  /** Present when the service watches signed-out sessions (`uses.revokedSessions`). */
  revokedSessions?: RevokedSessions;
  /**
   * The app's long-lived responses, ended when shutdown starts. Always set by runService; optional so
   * that a runtime built by hand in tests needs none.
   */
  liveStreams?: LiveStreams;
  /**
   * The service's Prometheus metrics, served at GET /metrics by the app runService starts. Always set
   * by runService; optional so that a runtime built by hand in tests needs none.
   */
  metrics?: ServiceMetrics;
}

export interface RunServiceOptions<Env extends z.ZodRawShape, Config> {
  name: string;
  /**
   * What the service connects to; the matching variables (MONGO_URI, NATS_URL) become required.
   * `revokedSessions` (with nats): signed-out sessions are watched before the app starts.
   */
  uses: { mongo: boolean; nats: boolean; revokedSessions?: boolean };
  /** The service's own environment variables, checked with the common ones at start-up. */
  env: Env;
  createApp(runtime: ServiceRuntime<Config>, readinessChecks: ReadinessChecks): Express;
  listeners?(runtime: ServiceRuntime<Config>): Listener<BaseEvent>[];
  /** Started before the listeners and stopped after them, before the connections close; a failure to start is fatal. */
  background?(runtime: ServiceRuntime<Config>): Promise<BackgroundTask[]> | BackgroundTask[];
  /** Extra readiness checks (e.g. Redis). */
  readinessChecks?(runtime: ServiceRuntime<Config>): ReadinessChecks;
}

/**
 * The variables runService reads besides the service's own: the common ones, and the connections'
 * as `uses` asks for them (MONGO_URI; NATS_URL with the event streams' NATS_STREAM_REPLICAS).
 */
export function runServiceEnv(uses: { mongo: boolean; nats: boolean }) {
  return {
    PORT: commonEnv.PORT,
    HOST: commonEnv.HOST,
    TRUST_PROXY: commonEnv.TRUST_PROXY,
    PUBLIC_ORIGIN: publicOriginEnv,
    LOG_LEVEL: commonEnv.LOG_LEVEL,
    // The standard OpenTelemetry variables (see tracing.ts): spans exported over OTLP when they ask.
    ...tracingEnv,
    ...(uses.mongo ? { MONGO_URI: commonEnv.MONGO_URI } : {}),
    ...(uses.nats ? { NATS_URL: commonEnv.NATS_URL, NATS_STREAM_REPLICAS: commonEnv.NATS_STREAM_REPLICAS } : {}),
  };
}

export interface RunningService {
  server: Server;
  shutdown: Shutdown;
}

/**
 * A service's main.ts in one call: validated config, MongoDB, NATS with the event stream, the
 * outbox relay, listeners, background tasks and the HTTP server, plus readiness and graceful
 * shutdown in the reverse order. Any failure to start (a bad config, an unreachable dependency, a
 * listener, background task or app that cannot start) is one clear log line and exit code 1, so
 * the returned promise never rejects: main.ts can call it with `void`.
 */
export async function runService<Env extends z.ZodRawShape>(
  options: RunServiceOptions<Env, z.output<z.ZodObject<Env>>>,
): Promise<RunningService> {
  const logger = createLogger(options.name);
  try {
    return await startService(options, logger);
  } catch (err) {
    return fail(logger, `cannot start: ${errorMessage(err)}`);
  }
}

async function startService<Env extends z.ZodRawShape>(
  options: RunServiceOptions<Env, z.output<z.ZodObject<Env>>>,
  logger: Logger,
): Promise<RunningService> {
  type Config = z.output<z.ZodObject<Env>>;
  const schema = z.object({ ...runServiceEnv(options.uses), ...options.env });
  let config: ServiceRuntime<Config>['config'];
  try {
    config = loadConfig(schema) as ServiceRuntime<Config>['config'];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return fail(logger, err.message);
  }

  // Before anything that handles requests or events: their spans and log lines need it.
  const tracing = setupTracing({ serviceName: options.name, config: config as TracingConfig });
  if (tracing.exporting) logger.info({}, 'exporting traces over OTLP');
  const steps: ShutdownStep[] = [];
  const liveStreams = new LiveStreams();
  const metrics = new ServiceMetrics({ service: options.name });
  const runtime: ServiceRuntime<Config> = { name: options.name, config, logger, liveStreams, metrics };
  try {
    if (options.uses.mongo) {
      await mongoose.connect(config.MONGO_URI!, { serverSelectionTimeoutMS: 10_000 });
    }
    if (options.uses.nats) {
      runtime.bus = await connectBus({
        servers: config.NATS_URL!,
        name: `${options.name}-${os.hostname()}-${process.pid}`,
        logger,
        streamReplicas: config.NATS_STREAM_REPLICAS,
      });
      metrics.watchBus(runtime.bus);
      await runtime.bus.ensureStream();
      if (options.uses.revokedSessions) runtime.revokedSessions = await RevokedSessions.watch(runtime.bus);
    }
  } catch (err) {
    return fail(logger, `cannot connect at start-up: ${errorMessage(err)}`);
  }

  if (runtime.bus && options.uses.mongo) {
    runtime.outbox = new Outbox({ connection: mongoose.connection, bus: runtime.bus, logger });
    metrics.watchOutbox(runtime.outbox);
    const relay = new OutboxRelay({ outbox: runtime.outbox, bus: runtime.bus });
    relay.start();
    const outbox = runtime.outbox;
    steps.unshift({
      name: 'outbox relay',
      run: async () => {
        await relay.stop();
        // The events of the last requests, published in the background: before NATS is drained.
        await outbox.flush();
      },
    });
  }
  // Background tasks first: listeners may hand work to them (expiration's queue), and they stop after.
  const tasks = (await options.background?.(runtime)) ?? [];
  for (const task of tasks) steps.unshift({ name: task.name, run: () => task.stop() });
  for (const listener of options.listeners?.(runtime) ?? []) {
    try {
      await listener.listen();
    } catch (err) {
      return fail(logger, `cannot start listener ${listener.durableName}: ${errorMessage(err)}`);
    }
    steps.unshift({ name: `listener ${listener.durableName}`, run: () => listener.stop() });
  }

  const bus = runtime.bus;
  const revokedSessions = runtime.revokedSessions;
  if (revokedSessions) steps.push({ name: 'revoked sessions', run: () => revokedSessions.stop() });
  if (bus) steps.push({ name: 'nats', run: () => bus.drain() });
  if (options.uses.mongo) steps.push({ name: 'mongodb', run: () => mongoose.disconnect() });
  // Last: the spans of everything stopped before it are sent.
  steps.push({ name: 'tracing', run: () => tracing.shutdown() });

  const readinessChecks: ReadinessChecks = {
    ...(options.uses.mongo ? { mongo: mongooseConnected } : {}),
    ...(bus
      ? {
          nats: () => bus.isConnected(),
          // Every listener the service started, through `listeners` or a background task.
          listeners: () => [...bus.listeners].every((listener) => listener.isConsuming()),
        }
      : {}),
    // A service that no longer sees sign-outs would accept signed-out sessions: not ready.
    ...(revokedSessions ? { revokedSessions: () => revokedSessions.isWatching() } : {}),
    ...options.readinessChecks?.(runtime),
  };
  const app = options.createApp(runtime, readinessChecks);
  // Events, outbox and consumers are counted on the runtime's metrics: the app serves those.
  setServiceMetrics(app, metrics);
  // The deployment's proxies, whatever the app was built with: every service believes the same ones.
  app.set('trust proxy', config.TRUST_PROXY);
  setPublicOrigins(app, config.PUBLIC_ORIGIN);
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.PORT, config.HOST, () => resolve(listening));
    listening.once('error', reject);
  }).catch((err: NodeJS.ErrnoException) =>
    fail(logger, err.code === 'EADDRINUSE' ? `port ${config.PORT} is already in use` : `cannot listen: ${err.message}`),
  );
  logger.info({ port: config.PORT }, `${options.name} listening`);
  return { server, shutdown: gracefulShutdown({ server, liveStreams, steps, logger }) };
}

function fail(logger: Logger, message: string): never {
  logger.fatal(message);
  // pino writes synchronously to stdout; the message is out before the exit.
  process.exit(1);
}
