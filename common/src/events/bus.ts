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
  type StreamInfo,
} from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';

/** The one stream holding every domain event. */
export const EVENT_STREAM = 'TICKETING';
export const EVENT_STREAM_SUBJECTS = ['ticket.>', 'order.>', 'expiration.>', 'payment.>', 'user.>'];
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
  /**
   * How many JetStream servers keep a copy of each stream (num_replicas; NATS_STREAM_REPLICAS):
   * 1 (default) for a single server; a cluster needs at least as many JetStream servers.
   */
  streamReplicas?: number;
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
    // Otherwise every request (each JetStream publish is one) builds an Error up front to keep its
    // caller's stack for a timeout: 1.5% of tickets' time under the listing load, for stacks that the
    // log lines, which name the subject and the trace, do not need.
    noAsyncTraces: true,
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
      // Dead letters are kept as safely as the events they were.
      const num_replicas = options.streamReplicas ?? 1;
      await ensureStreamConfig(jsm, logger, {
        name: EVENT_STREAM,
        subjects: EVENT_STREAM_SUBJECTS,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
        num_replicas,
      });
      await ensureStreamConfig(jsm, logger, {
        name: DEAD_LETTER_STREAM,
        subjects: [`${DEAD_LETTER_SUBJECT_PREFIX}>`],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
        num_replicas,
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
/**
 * The server's refusals of a stream's replica count: "replicas > 1 not supported in non-clustered
 * mode" (a single server) and "no suitable peers for placement" (fewer JetStream servers than replicas).
 */
const REPLICAS_REFUSED = [10074, 10005];

export function isJetStreamApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/** Create-or-update, with a refused replica count said in the operator's terms. */
async function ensureStreamConfig(
  jsm: JetStreamManager,
  logger: BusLogger,
  config: Partial<StreamConfig> & { name: string; num_replicas: number },
): Promise<void> {
  const refused = (reason: string) =>
    `stream ${config.name} cannot have ${config.num_replicas} replicas (NATS_STREAM_REPLICAS): ${reason}; ` +
    `it needs a NATS cluster of at least ${config.num_replicas} JetStream servers`;
  let stream: StreamInfo | undefined;
  try {
    stream = await createOrUpdateStream(jsm, config);
  } catch (err) {
    if (!REPLICAS_REFUSED.some((code) => isJetStreamApiError(err, code))) throw err;
    throw new Error(refused((err as Error).message), { cause: err });
  }
  if (!stream) {
    logger.info({ stream: config.name, replicas: config.num_replicas }, 'created stream');
    return;
  }
  // A single server refuses a new stream's extra replicas, but takes them on an update and keeps one
  // copy all the same; only a clustered server reports where a stream's copies are.
  if (config.num_replicas > 1 && !stream.cluster) throw new Error(refused('the NATS server is not clustered'));
  logger.debug({ stream: config.name, replicas: config.num_replicas }, 'stream up to date');
}

/**
 * Creates the stream (undefined) or updates it (its info), tolerating another replica creating the
 * same stream at the same time.
 */
async function createOrUpdateStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<StreamInfo | undefined> {
  try {
    await jsm.streams.info(config.name);
  } catch (err) {
    if (!isJetStreamApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
    try {
      await jsm.streams.add(config);
      return undefined;
    } catch (addErr) {
      if (!isJetStreamApiError(addErr, STREAM_NAME_IN_USE)) throw addErr;
    }
  }
  const { name, ...update } = config;
  return await jsm.streams.update(name, update);
}
