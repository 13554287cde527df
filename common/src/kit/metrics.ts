import type { Application, RequestHandler } from 'express';
import { Router } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Bus } from '../events/bus';
import { EVENT_STREAM } from '../events/bus';
import type { Outbox } from '../events/outbox';

// A service's own metrics are made with these, on its ServiceMetrics' registry (no dependency of its own).
export { Counter, Gauge, Histogram } from 'prom-client';
export type { Registry } from 'prom-client';

/** The route label of a request no route matched (a 404 of the not-found handler, say). */
export const UNMATCHED_ROUTE = 'unmatched';

export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const EVENT_HANDLER_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export type PublishOutcome = 'published' | 'failed';
export type ConsumeOutcome = 'acked' | 'too_early' | 'retried' | 'dead_lettered';

/** A scrape must not hang on a dependency that is down: its gauges are left out instead. */
const SCRAPE_QUERY_TIMEOUT_MS = 2_000;

export interface ServiceMetricsOptions {
  /** The `service` label of every series: the name given to runService. */
  service: string;
  /** prom-client's Node process metrics (CPU, memory, event loop lag, heap, GC). Default true. */
  defaultMetrics?: boolean;
}

/**
 * The Prometheus metrics of one service instance, on a registry of its own (never prom-client's
 * global one), so that two services in one process (tests) do not share or collide: HTTP requests,
 * events published and consumed, and, once `watchOutbox` and `watchBus` are called, the outbox
 * backlog and the JetStream consumers' state, read when scraped. Services register their own
 * metrics on `registry` (expiration's queue, payments' attempts).
 */
export class ServiceMetrics {
  readonly service: string;
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly eventsPublished: Counter<'subject' | 'outcome'>;
  readonly eventsConsumed: Counter<'subject' | 'outcome'>;
  readonly eventHandlerDuration: Histogram<'subject'>;
  private outbox: Outbox | undefined;
  private outboxSnapshot: Promise<{ pending: number; oldestAgeSeconds: number } | undefined> | undefined;
  private bus: Bus | undefined;
  private consumerSnapshot: Promise<Map<string, ConsumerCounts>> | undefined;

  constructor(options: ServiceMetricsOptions) {
    this.service = options.service;
    this.registry = new Registry();
    this.registry.setDefaultLabels({ service: options.service });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];

    this.httpRequestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route template (unmatched when no route matched) and status, in seconds.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    });
    this.eventsPublished = new Counter({
      name: 'events_published_total',
      help: 'Events this instance published to the stream (outbox or direct), by subject and outcome.',
      labelNames: ['subject', 'outcome'],
      registers,
    });
    this.eventsConsumed = new Counter({
      name: 'events_consumed_total',
      help: 'Event deliveries handled by this instance, by subject and outcome (acked, too_early, retried, dead_lettered).',
      labelNames: ['subject', 'outcome'],
      registers,
    });
    this.eventHandlerDuration = new Histogram({
      name: 'event_handler_duration_seconds',
      help: "How long an event listener's handler took, whatever its outcome, in seconds.",
      labelNames: ['subject'],
      buckets: EVENT_HANDLER_BUCKETS,
      registers,
    });

    const consumerCounts = () => this.consumerCounts();
    const consumerGauge = (name: string, help: string, read: (info: ConsumerCounts) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['consumer'],
        registers,
        async collect() {
          this.reset();
          for (const [consumer, info] of await consumerCounts()) this.set({ consumer }, read(info));
        },
      });
    consumerGauge(
      'jetstream_consumer_pending_messages',
      "Messages of the stream not yet delivered to the durable consumer (its backlog), from the consumer's info.",
      (info) => info.pending,
    );
    consumerGauge(
      'jetstream_consumer_ack_pending_messages',
      'Messages delivered to the durable consumer and not yet acknowledged.',
      (info) => info.ackPending,
    );
    consumerGauge(
      'jetstream_consumer_redelivered_messages',
      'Messages the durable consumer has delivered more than once and that are not yet acknowledged.',
      (info) => info.redelivered,
    );
  }

  /** Reports the outbox's backlog (`outbox_pending_records`, `outbox_oldest_pending_age_seconds`) when scraped. */
  watchOutbox(outbox: Outbox): void {
    if (this.outbox) throw new Error('this ServiceMetrics already watches an outbox');
    this.outbox = outbox;
    const registers = [this.registry];
    const snapshotOutbox = () => this.snapshotOutbox();
    // Left as they were when MongoDB does not answer in time: a stale value, never a made-up 0.
    new Gauge({
      name: 'outbox_pending_records',
      help: 'Outbox records not yet published to the stream.',
      registers,
      async collect() {
        const snapshot = await snapshotOutbox();
        if (snapshot) this.set(snapshot.pending);
      },
    });
    new Gauge({
      name: 'outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest outbox record not yet published, in seconds (0 when none).',
      registers,
      async collect() {
        const snapshot = await snapshotOutbox();
        if (snapshot) this.set(snapshot.oldestAgeSeconds);
      },
    });
  }

  /**
   * Counts what is published and consumed through `bus`, and reports the state of the durable
   * consumer of every listener started on it when scraped.
   */
  watchBus(bus: Bus): void {
    this.bus = bus;
    busMetrics.set(bus, this);
  }

  /** The registry in Prometheus's text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** One query per scrape for both outbox gauges, which prom-client collects concurrently. */
  private snapshotOutbox(): Promise<{ pending: number; oldestAgeSeconds: number } | undefined> {
    const outbox = this.outbox;
    if (!outbox) return Promise.resolve(undefined);
    this.outboxSnapshot ??= withTimeout(
      (async () => {
        const [pending, oldest] = await Promise.all([
          outbox.model.countDocuments({ publishedAt: null }),
          outbox.model.findOne({ publishedAt: null }).sort({ _id: 1 }).select({ createdAt: 1 }).lean(),
        ]);
        const oldestAgeSeconds = oldest ? Math.max(0, (Date.now() - oldest.createdAt.getTime()) / 1000) : 0;
        return { pending, oldestAgeSeconds };
      })(),
    )
      .catch(() => undefined)
      .finally(() => {
        this.outboxSnapshot = undefined;
      });
    return this.outboxSnapshot;
  }

  /** One round of consumer info requests per scrape for the three consumer gauges, collected concurrently. */
  private consumerCounts(): Promise<Map<string, ConsumerCounts>> {
    this.consumerSnapshot ??= this.readConsumerCounts().finally(() => {
      this.consumerSnapshot = undefined;
    });
    return this.consumerSnapshot;
  }

  private async readConsumerCounts(): Promise<Map<string, ConsumerCounts>> {
    const counts = new Map<string, ConsumerCounts>();
    const bus = this.bus;
    if (!bus || !bus.isConnected()) return counts;
    const durables = [...new Set([...bus.listeners].map((listener) => listener.durableName))];
    await withTimeout(
      (async () => {
        const jsm = await bus.jetstreamManager();
        await Promise.all(
          durables.map(async (durable) => {
            try {
              const info = await jsm.consumers.info(EVENT_STREAM, durable);
              counts.set(durable, {
                pending: info.num_pending,
                ackPending: info.num_ack_pending,
                redelivered: info.num_redelivered,
              });
            } catch {
              // A consumer being provisioned again (see Listener) is left out of this scrape.
            }
          }),
        );
      })(),
    ).catch(() => undefined);
    return counts;
  }
}

interface ConsumerCounts {
  pending: number;
  ackPending: number;
  redelivered: number;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs = SCRAPE_QUERY_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const busMetrics = new WeakMap<Bus, ServiceMetrics>();

/** Counts a publish through `bus` (see ServiceMetrics.watchBus); nothing when the bus is not watched. */
export function countPublished(bus: Bus, subject: string, outcome: PublishOutcome): void {
  busMetrics.get(bus)?.eventsPublished.inc({ subject, outcome });
}

/** Counts a delivery handled by a listener on `bus`; nothing when the bus is not watched. */
export function countConsumed(bus: Bus, subject: string, outcome: ConsumeOutcome): void {
  busMetrics.get(bus)?.eventsConsumed.inc({ subject, outcome });
}

/** Records how long a listener's handler took, in seconds. */
export function observeHandlerDuration(bus: Bus, subject: string, seconds: number): void {
  busMetrics.get(bus)?.eventHandlerDuration.observe({ subject }, seconds);
}

const METRICS_SETTING = 'ticketing metrics';
const METRICS_SERVICE_SETTING = 'ticketing metrics service';

/**
 * Makes the app count its requests on, and serve at /metrics, `metrics` (runService gives the
 * runtime's, which also counts events). An app built without it (tests) makes its own on first use.
 */
export function setServiceMetrics(app: Application, metrics: ServiceMetrics): void {
  app.set(METRICS_SETTING, metrics);
}

/** The app's metrics: those set by setServiceMetrics, else its own, made on first use. */
export function serviceMetricsOf(app: Application): ServiceMetrics {
  let metrics = app.get(METRICS_SETTING) as ServiceMetrics | undefined;
  if (!metrics) {
    metrics = new ServiceMetrics({ service: String(app.get(METRICS_SERVICE_SETTING) ?? 'unknown') });
    setServiceMetrics(app, metrics);
  }
  return metrics;
}

/** The service label of the metrics an app makes for itself when none were set. */
export function setMetricsServiceName(app: Application, service: string): void {
  app.set(METRICS_SERVICE_SETTING, service);
}

/**
 * Times every response into `http_request_duration_seconds`, labelled with the route template
 * that matched (mount path and route path, e.g. `/api/orders/:id`) or `unmatched`; not a stream of
 * server-sent events that was opened (an error answered instead is counted).
 */
export const httpMetrics: RequestHandler = (req, res, next) => {
  const start = process.hrtime.bigint();
  res.once('finish', () => {
    // A stream of server-sent events lasts as long as the page watches it: that is not a latency,
    // and would make every rollout (which ends the streams) look like a slow spell.
    if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const routePath: unknown = req.route?.path;
    const route = typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : UNMATCHED_ROUTE;
    serviceMetricsOf(req.app).httpRequestDuration.observe(
      { method: req.method, route, status_code: String(res.statusCode) },
      seconds,
    );
  });
  next();
};

/** GET /metrics: the service's metrics in Prometheus's text format, on its own port only. */
export function metricsRoutes(): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    const metrics = serviceMetricsOf(req.app);
    const body = await metrics.render();
    res.type(metrics.registry.contentType).send(body);
  });
  return router;
}
