import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { millis, nanos } from '@nats-io/transport-node';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { errorMessage } from '../errors/error-message';
import { backoffDelay } from '../kit/backoff';
import { countConsumed, observeHandlerDuration } from '../kit/metrics';
import { annotateLogs, contextFromCarrier, kitTracer, withLogFields } from '../kit/trace-context';
import { DEAD_LETTER_SUBJECT_PREFIX, EVENT_STREAM, isJetStreamApiError, type Bus, type BusLogger } from './bus';
import { EventTooEarlyError } from './errors';
import { parseEventData, type BaseEvent } from './schemas';

/** A too-early event that has waited long is redelivered after this share of its wait so far. */
const TOO_EARLY_WAIT_SHARE = 0.1;

export interface ListenerOptions {
  /** The consuming service; all its replicas share one durable consumer per subject. */
  serviceName: string;
  /** How long a delivered message may stay unacknowledged before it is redelivered. */
  ackWaitMs?: number;
  /** Deliveries after which a message whose handler fails (other than too early) is dead-lettered. */
  maxDeliveries?: number;
  /**
   * How long after it was published an event that is too early (EventTooEarlyError) is still
   * redelivered; then it is dead-lettered. Bounded by time rather than by deliveries, because
   * the event it waits for may take long (its own retries, an outage of its publisher).
   */
  maxTooEarlyWaitMs?: number;
  /**
   * Delay before the first redelivery of a failed or too-early message, and before the first
   * attempt to consume again after consuming stopped; doubles each time.
   */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /**
   * How soon a too-early event is redelivered: its delays double from retryDelayMs up to this
   * (5 s by default), or are a tenth of how long it has waited so far when that is longer, up to
   * maxRetryDelayMs. The event waits for another one, which may arrive any moment (after its own
   * ack wait of 30 s when a consumer or NATS died holding it): it then follows within a few
   * seconds, not after a failure's minute of backoff. One that goes on waiting (for a copy that
   * never comes) is asked less and less often: about 90 redeliveries in the hour before it is
   * dead-lettered, not 720 every 5 s, a load that a backlog of such events would multiply.
   */
  maxTooEarlyRetryDelayMs?: number;
  /**
   * Messages handled at the same time by this replica. Messages about the same entity (the
   * ticket, order or user the event is about) are still handled one after the other, in the
   * order they arrived, so that concurrency never turns an in-order pair into a too-early one.
   */
  concurrency?: number;
}

/** What is stored on `deadletter.<subject>` in the dead-letter stream. */
export interface DeadLetterRecord {
  subject: string;
  streamSequence: number;
  consumer: string;
  deliveryCount: number;
  eventId: string | null;
  reason: 'invalid-payload' | 'max-deliveries' | 'too-early-timeout';
  error: string;
  /** The original message body, as received. */
  payload: string;
  deadLetteredAt: string;
}

// Enough to keep a replica's transactions overlapping (the database commits them together) while
// bounding what one replica holds unacknowledged.
const DEFAULT_CONCURRENCY = 8;

// The server never stops redelivering: the listener enforces both bounds (deliveries for
// failures, time for too-early events), and a dead-letter publish that failed is retried.
const UNLIMITED_DELIVERIES = -1;

/**
 * Consumes one subject through a durable pull consumer shared by every replica of
 * the service, up to `concurrency` messages at a time (one at a time per entity).
 * `onMessage` resolving acks the message;
 * throwing redelivers it later with backoff, up to `maxDeliveries` (or, for an event
 * that is too early, until `maxTooEarlyWaitMs` after it was published), then the
 * message is dead-lettered and terminated so it never blocks the ones behind it.
 *
 * Consuming keeps itself going: when it stops (stream or consumer gone, e.g. NATS
 * restarted with an empty store or the consumer deleted by hand, or heartbeats
 * missed), the listener provisions the stream and its consumer again and resumes,
 * with backoff. `isConsuming()` says whether it currently does.
 */
export abstract class Listener<E extends BaseEvent> {
  abstract readonly subject: E['subject'];
  abstract onMessage(data: E['data'], msg: JsMsg): Promise<void>;

  protected readonly logger: BusLogger;
  private readonly serviceName: string;
  private readonly ackWaitMs: number;
  private readonly maxDeliveries: number;
  private readonly maxTooEarlyWaitMs: number;
  private readonly retryDelayMs: number;
  private readonly maxTooEarlyRetryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly concurrency: number;
  /** Set while messages are being pulled. */
  private messages: ConsumerMessages | undefined;
  /** Set from listen() to stop(): consuming, and starting again whenever it stops. */
  private running: Promise<void> | undefined;
  private stopping = false;
  private endRestartPause: (() => void) | undefined;

  constructor(
    protected readonly bus: Bus,
    options: ListenerOptions,
  ) {
    this.logger = bus.logger;
    this.serviceName = options.serviceName;
    this.ackWaitMs = options.ackWaitMs ?? 30_000;
    this.maxDeliveries = options.maxDeliveries ?? 10;
    this.maxTooEarlyWaitMs = options.maxTooEarlyWaitMs ?? 3_600_000;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
    this.maxTooEarlyRetryDelayMs = Math.min(options.maxTooEarlyRetryDelayMs ?? 5_000, this.maxRetryDelayMs);
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new Error(`concurrency must be a positive integer, not ${this.concurrency}`);
    }
  }

  /** One durable per service and subject, e.g. `orders-ticket-created`. */
  get durableName(): string {
    return `${this.serviceName}-${this.subject.replace(/\./g, '-')}`;
  }

  /** True while messages are being pulled: false while restarting, and once stopped. */
  isConsuming(): boolean {
    return this.messages !== undefined;
  }

  /**
   * Creates or updates the durable consumer, then handles messages in the background until
   * stopped. Rejects if this first start fails; later restarts are retried in the background.
   */
  async listen(): Promise<void> {
    if (this.running) throw new Error(`${this.durableName} is already listening`);
    this.stopping = false;
    const messages = await this.startConsuming();
    this.running = this.keepConsuming(messages);
    this.bus.listeners.add(this);
    this.logger.info({ subject: this.subject, durable: this.durableName }, 'listening');
  }

  /** Stops pulling messages and waits for the ones being handled. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.endRestartPause?.();
    await this.messages?.close();
    await this.running;
    this.running = undefined;
    this.bus.listeners.delete(this);
  }

  private async startConsuming(): Promise<ConsumerMessages> {
    await this.ensureConsumer(await this.bus.jetstreamManager());
    const consumer = await this.bus.js.consumers.get(EVENT_STREAM, this.durableName);
    const messages = await consumer.consume({
      // No more in hand than are handled at once: nothing waits in a local buffer while its ack wait runs out.
      max_messages: this.concurrency,
      // End consuming when the stream or the consumer is gone, so that keepConsuming provisions
      // them again; the library would otherwise wait for someone else to.
      abort_on_missing_resource: true,
    });
    this.messages = messages;
    this.watchStatus(messages);
    return messages;
  }

  private async keepConsuming(first: ConsumerMessages): Promise<void> {
    let messages: ConsumerMessages | undefined = first;
    while (messages) {
      await this.consume(messages);
      this.messages = undefined;
      messages = this.hasStopped() ? undefined : await this.restart();
    }
  }

  /** Stopped, or its connection closing for good: nothing to consume again. */
  private hasStopped(): boolean {
    return this.stopping || this.bus.nc.isClosed() || this.bus.nc.isDraining();
  }

  /**
   * Provisions the stream and the consumer again (either may have been lost) and consumes,
   * retrying with backoff until that works; undefined when the listener stops meanwhile.
   */
  private async restart(): Promise<ConsumerMessages | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      const delayMs = backoffDelay(attempt, this.retryDelayMs, this.maxRetryDelayMs);
      this.logger.warn({ durable: this.durableName, attempt, delayMs }, 'not consuming, starting again');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.endRestartPause = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (this.hasStopped()) return undefined;
      try {
        await this.bus.ensureStream();
        const messages = await this.startConsuming();
        if (this.hasStopped()) {
          await messages.close();
          this.messages = undefined;
          return undefined;
        }
        this.logger.info({ subject: this.subject, durable: this.durableName, attempt }, 'listening again');
        return messages;
      } catch (err) {
        this.logger.warn({ err, durable: this.durableName, attempt }, 'could not start consuming');
      }
    }
  }

  private async ensureConsumer(jsm: JetStreamManager): Promise<void> {
    const settings = {
      ack_wait: nanos(this.ackWaitMs),
      max_deliver: UNLIMITED_DELIVERIES,
    };
    try {
      await jsm.consumers.info(EVENT_STREAM, this.durableName);
    } catch (err) {
      if (!isJetStreamApiError(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
      try {
        await jsm.consumers.add(EVENT_STREAM, {
          durable_name: this.durableName,
          filter_subject: this.subject,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ...settings,
        });
        this.logger.info({ durable: this.durableName }, 'created consumer');
        return;
      } catch (addErr) {
        // Another replica created it first, with other settings; fall through to update.
        this.logger.debug({ err: addErr, durable: this.durableName }, 'consumer create lost a race');
      }
    }
    await jsm.consumers.update(EVENT_STREAM, this.durableName, settings);
  }

  private watchStatus(messages: ConsumerMessages): void {
    void (async () => {
      for await (const status of messages.status()) {
        switch (status.type) {
          case 'heartbeats_missed':
            this.logger.warn({ durable: this.durableName, count: status.count }, 'consumer heartbeats missed');
            // The server no longer answers this pull: start again rather than wait on it.
            messages.stop(new Error('consumer heartbeats missed'));
            break;
          case 'consumer_not_found':
          case 'consumer_deleted':
          case 'stream_not_found':
            this.logger.error({ durable: this.durableName, status }, 'consumer unavailable');
            break;
          default:
            break;
        }
      }
    })();
  }

  private async consume(messages: ConsumerMessages): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    // The last handling queued per entity: the next message about it starts when that one ends.
    const lastOfEntity = new Map<string, Promise<void>>();
    try {
      for await (const msg of messages) {
        if (this.stopping) {
          msg.nak();
          continue;
        }
        const payload = readPayload(msg);
        const entity = entityOf(payload);
        const before = entity === undefined ? undefined : lastOfEntity.get(entity);
        const handling = (async () => {
          await before;
          await this.handleTraced(msg, payload);
        })().catch((err: unknown) => {
          // handle() settles every outcome itself; this is a defect, and the message is redelivered after its ack wait.
          this.logger.error({ err, durable: this.durableName, seq: msg.seq }, 'event handling failed unexpectedly');
        });
        inFlight.add(handling);
        if (entity !== undefined) lastOfEntity.set(entity, handling);
        void handling.finally(() => {
          inFlight.delete(handling);
          if (entity !== undefined && lastOfEntity.get(entity) === handling) lastOfEntity.delete(entity);
        });
        while (inFlight.size >= this.concurrency) await Promise.race(inFlight);
      }
    } catch (err) {
      this.logger.error({ err, durable: this.durableName }, 'consumer stopped with an error');
    }
    await Promise.all(inFlight);
  }

  /**
   * Handles `msg` in a CONSUMER span (`order.created process`) whose parent is the context its
   * `traceparent` header carries (the publishing span), so the trace goes on through the event.
   * Every line logged meanwhile carries the span's ids and, once the payload is read, the order id.
   */
  private async handleTraced(msg: JsMsg, payload: Payload): Promise<void> {
    const parent = contextFromCarrier({
      traceparent: msg.headers?.get('traceparent'),
      tracestate: msg.headers?.get('tracestate'),
    });
    const span = kitTracer().startSpan(
      `${this.subject} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': msg.subject,
          'messaging.consumer.group.name': this.durableName,
          'messaging.message.id': msg.headers?.get('Nats-Msg-Id') ?? '',
          'messaging.nats.delivery_count': msg.info.deliveryCount,
        },
      },
      parent,
    );
    try {
      await context.with(withLogFields(trace.setSpan(parent, span), {}), () => this.handle(msg, payload));
    } finally {
      span.end();
    }
  }

  private async handle(msg: JsMsg, payload: Payload): Promise<void> {
    const deliveryCount = msg.info.deliveryCount;
    const context = {
      subject: msg.subject,
      durable: this.durableName,
      seq: msg.seq,
      deliveryCount,
      eventId: msg.headers?.get('Nats-Msg-Id') || null,
    };

    let data: E['data'];
    try {
      if ('error' in payload) throw payload.error;
      data = parseEventData(this.subject, payload.json);
    } catch (err) {
      // A malformed message will never get better: record it and drop it now.
      await this.deadLetter(msg, context, 'invalid-payload', err);
      return;
    }
    const orderId = orderIdOf(this.subject, data);
    if (orderId) annotateLogs({ orderId });

    const handlerStart = process.hrtime.bigint();
    const handlerSeconds = () => Number(process.hrtime.bigint() - handlerStart) / 1e9;
    try {
      await this.onMessage(data, msg);
      observeHandlerDuration(this.bus, this.subject, handlerSeconds());
      msg.ack();
      countConsumed(this.bus, this.subject, 'acked');
    } catch (err) {
      observeHandlerDuration(this.bus, this.subject, handlerSeconds());
      if (err instanceof EventTooEarlyError) {
        // Stream time of the message: when it was published.
        const waitedMs = Date.now() - millis(msg.info.timestampNanos);
        if (waitedMs >= this.maxTooEarlyWaitMs) {
          await this.deadLetter(msg, context, 'too-early-timeout', err);
          return;
        }
        const delayMs = this.tooEarlyRetryDelay(deliveryCount, waitedMs);
        this.logger.info({ ...context, delayMs, waitedMs, reason: err.message }, 'event too early, redelivering later');
        countConsumed(this.bus, this.subject, 'too_early');
        msg.nak(delayMs);
      } else {
        if (deliveryCount >= this.maxDeliveries) {
          await this.deadLetter(msg, context, 'max-deliveries', err);
          return;
        }
        const delayMs = backoffDelay(deliveryCount, this.retryDelayMs, this.maxRetryDelayMs);
        this.logger.warn({ ...context, delayMs, err }, 'event handler failed, redelivering later');
        countConsumed(this.bus, this.subject, 'retried');
        msg.nak(delayMs);
      }
    }
  }

  /** See ListenerOptions.maxTooEarlyRetryDelayMs. */
  private tooEarlyRetryDelay(deliveryCount: number, waitedMs: number): number {
    const soon = backoffDelay(deliveryCount, this.retryDelayMs, this.maxTooEarlyRetryDelayMs);
    return Math.min(Math.max(soon, Math.round(waitedMs * TOO_EARLY_WAIT_SHARE)), this.maxRetryDelayMs);
  }

  private async deadLetter(
    msg: JsMsg,
    context: { eventId: string | null; deliveryCount: number },
    reason: DeadLetterRecord['reason'],
    err: unknown,
  ): Promise<void> {
    const record: DeadLetterRecord = {
      subject: msg.subject,
      streamSequence: msg.seq,
      consumer: this.durableName,
      deliveryCount: context.deliveryCount,
      eventId: context.eventId,
      reason,
      error: errorMessage(err),
      payload: msg.string(),
      deadLetteredAt: new Date().toISOString(),
    };
    this.logger.error({ ...context, deadLetter: record }, 'event dead-lettered');
    try {
      await this.bus.js.publish(`${DEAD_LETTER_SUBJECT_PREFIX}${msg.subject}`, JSON.stringify(record), {
        msgID: `${this.durableName}:${msg.seq}`,
      });
      msg.term();
      countConsumed(this.bus, this.subject, 'dead_lettered');
    } catch (publishErr) {
      this.logger.error({ ...context, err: publishErr }, 'could not store dead letter, redelivering later');
      countConsumed(this.bus, this.subject, 'retried');
      msg.nak(backoffDelay(context.deliveryCount, this.retryDelayMs, this.maxRetryDelayMs));
    }
  }
}

/** The order an event is about, for the logs: an order event's own id, else its `orderId` field. */
function orderIdOf(subject: string, data: unknown): string | undefined {
  const fields = data as { id?: unknown; orderId?: unknown };
  const orderId = subject.startsWith('order.') ? fields.id : fields.orderId;
  return typeof orderId === 'string' ? orderId : undefined;
}

/** A message's body as JSON, or why it is not JSON (dead-lettered when handled). */
type Payload = { json: unknown } | { error: unknown };

function readPayload(msg: JsMsg): Payload {
  try {
    return { json: JSON.parse(msg.string()) };
  } catch (error) {
    return { error };
  }
}

/** The entity an event is about (its `id`, else its `orderId`), whose events are handled in turn. */
function entityOf(payload: Payload): string | undefined {
  if (!('json' in payload) || typeof payload.json !== 'object' || payload.json === null) return undefined;
  const fields = payload.json as { id?: unknown; orderId?: unknown };
  const entity = fields.id ?? fields.orderId;
  return typeof entity === 'string' ? entity : undefined;
}
