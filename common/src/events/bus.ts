import {
  jetstream,
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';

/** The one stream holding every domain event. */
export const EVENT_STREAM = 'TICKETING';
export const EVENT_STREAM_SUBJECTS = ['ticket.>', 'order.>', 'expiration.>', 'payment.>'];
/** Messages that exhausted their deliveries, kept apart so operators can inspect them. */
export const DEAD_LETTER_STREAM = 'TICKETING_DEADLETTER';
export const DEAD_LETTER_SUBJECT_PREFIX = 'deadletter.';
/** Publishes with the same event id inside this window are stored once. */
export const DUPLICATE_WINDOW_MS = 2 * 60_000;

/** The subset of a pino logger the bus uses. */
export interface BusLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ConnectBusOptions {
  servers: string | string[];
  /** Client name shown by the NATS server, e.g. `tickets-7f9c`. */
  name: string;
  logger: BusLogger;
  reconnectTimeWaitMs?: number;
  /** How long a publish waits for the stream's acknowledgement. */
  requestTimeoutMs?: number;
  /**
   * Whether to keep trying until the first connection succeeds (default) or to reject at once:
   * a service waits for NATS, a command-line tool says it cannot reach it.
   */
  waitForFirstConnect?: boolean;
}

/** What readiness asks of each listener consuming through the bus. */
export interface BusListener {
  readonly durableName: string;
  isConsuming(): boolean;
}

export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly logger: BusLogger;
  /** True while the connection to NATS is up; use it for readiness. */
  isConnected(): boolean;
  /**
   * The listeners started on this connection and not stopped since. Kept here rather than by
   * whoever starts them, so that readiness covers every listener a service starts, wherever.
   */
  readonly listeners: Set<BusListener>;
  jetstreamManager(): Promise<JetStreamManager>;
  /** Creates or updates the event and dead-letter streams; safe to call from every replica. */
  ensureStream(): Promise<void>;
  /** Lets pending publishes and acks go out, then closes. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects to NATS and keeps reconnecting forever: a service outlives NATS outages
 * and reports them through `isConnected()` instead of crashing.
 */
export async function connectBus(options: ConnectBusOptions): Promise<Bus> {
  const { logger } = options;
  const nc = await connect({
    servers: options.servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 1000,
    waitOnFirstConnect: options.waitForFirstConnect ?? true,
  });
  let connected = true;
  logger.info({ server: nc.getServer(), name: options.name }, 'connected to NATS');

  void (async () => {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          connected = false;
          logger.warn({ server: status.server }, 'disconnected from NATS, reconnecting');
          break;
        case 'reconnect':
          connected = true;
          logger.info({ server: status.server }, 'reconnected to NATS');
          break;
        case 'error':
          logger.error({ err: status.error }, 'NATS connection error');
          break;
        case 'ldm':
          logger.warn({ server: status.server }, 'NATS server entering lame duck mode');
          break;
        case 'slowConsumer':
          logger.warn({ pending: status.pending }, 'NATS slow consumer');
          break;
        default:
          break;
      }
    }
  })();
  void nc.closed().then((err) => {
    connected = false;
    if (err) logger.error({ err }, 'NATS connection closed with an error');
    else logger.info({}, 'NATS connection closed');
  });

  const js = jetstream(nc, { timeout: options.requestTimeoutMs ?? 5000 });
  let manager: Promise<JetStreamManager> | undefined;
  const bus: Bus = {
    nc,
    js,
    logger,
    isConnected: () => connected && !nc.isClosed(),
    listeners: new Set(),
    jetstreamManager: () => {
      manager ??= jetstreamManager(nc, { timeout: options.requestTimeoutMs ?? 5000 });
      manager.catch(() => {
        manager = undefined;
      });
      return manager;
    },
    ensureStream: async () => {
      const jsm = await bus.jetstreamManager();
      await ensureStreamConfig(jsm, logger, {
        name: EVENT_STREAM,
        subjects: EVENT_STREAM_SUBJECTS,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      });
      await ensureStreamConfig(jsm, logger, {
        name: DEAD_LETTER_STREAM,
        subjects: [`${DEAD_LETTER_SUBJECT_PREFIX}>`],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      });
    },
    drain: async () => {
      if (!nc.isClosed() && !nc.isDraining()) await nc.drain();
    },
    close: async () => {
      if (!nc.isClosed()) await nc.close();
    },
  };
  return bus;
}

// Server error codes the client library has no constant for.
const STREAM_NAME_IN_USE = 10058;

export function isJetStreamApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/** Create-or-update, tolerating another replica creating the same stream at the same time. */
async function ensureStreamConfig(
  jsm: JetStreamManager,
  logger: BusLogger,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch (err) {
    if (!isJetStreamApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
    try {
      await jsm.streams.add(config);
      logger.info({ stream: config.name }, 'created stream');
      return;
    } catch (addErr) {
      if (!isJetStreamApiError(addErr, STREAM_NAME_IN_USE)) throw addErr;
    }
  }
  const { name, ...update } = config;
  await jsm.streams.update(name, update);
  logger.debug({ stream: name }, 'stream up to date');
}
