import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { errorMessage } from '../errors/error-message';
import { backoffDelay } from '../kit/backoff';
import { DEAD_LETTER_SUBJECT_PREFIX, EVENT_STREAM, isJetStreamApiError, type Bus, type BusLogger } from './bus';
import { EventTooEarlyError } from './errors';
import { parseEventData, type BaseEvent } from './schemas';

export interface ListenerOptions {
  /** The consuming service; all its replicas share one durable consumer per subject. */
  serviceName: string;
  /** How long a delivered message may stay unacknowledged before it is redelivered. */
  ackWaitMs?: number;
  /** Deliveries after which a failing message is dead-lettered. */
  maxDeliveries?: number;
  /** Delay before the first redelivery of a failed or too-early message; doubles each time. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

/** What is stored on `deadletter.<subject>` in the dead-letter stream. */
export interface DeadLetterRecord {
  subject: string;
  streamSequence: number;
  consumer: string;
  deliveryCount: number;
  eventId: string | null;
  reason: 'invalid-payload' | 'max-deliveries';
  error: string;
  /** The original message body, as received. */
  payload: string;
  deadLetteredAt: string;
}

// Extra deliveries the server allows beyond `maxDeliveries`, so that a dead-letter
// publish that failed (NATS hiccup) is retried instead of the message vanishing.
const DEAD_LETTER_RETRIES = 3;

/**
 * Consumes one subject through a durable pull consumer shared by every replica of
 * the service, one message at a time. `onMessage` resolving acks the message;
 * throwing redelivers it later with backoff, up to `maxDeliveries`, then the message
 * is dead-lettered and terminated so it never blocks the ones behind it.
 */
export abstract class Listener<E extends BaseEvent> {
  abstract readonly subject: E['subject'];
  abstract onMessage(data: E['data'], msg: JsMsg): Promise<void>;

  protected readonly logger: BusLogger;
  private readonly serviceName: string;
  private readonly ackWaitMs: number;
  private readonly maxDeliveries: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private messages: ConsumerMessages | undefined;
  private consuming: Promise<void> | undefined;
  private stopping = false;

  constructor(
    protected readonly bus: Bus,
    options: ListenerOptions,
  ) {
    this.logger = bus.logger;
    this.serviceName = options.serviceName;
    this.ackWaitMs = options.ackWaitMs ?? 30_000;
    this.maxDeliveries = options.maxDeliveries ?? 10;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
  }

  /** One durable per service and subject, e.g. `orders-ticket-created`. */
  get durableName(): string {
    return `${this.serviceName}-${this.subject.replace(/\./g, '-')}`;
  }

  /** Creates or updates the durable consumer, then starts handling messages in the background. */
  async listen(): Promise<void> {
    if (this.messages) throw new Error(`${this.durableName} is already listening`);
    await this.ensureConsumer(await this.bus.jetstreamManager());
    const consumer = await this.bus.js.consumers.get(EVENT_STREAM, this.durableName);
    // One message in hand at a time: nothing waits in a local buffer while its ack wait runs out.
    const messages = await consumer.consume({ max_messages: 1 });
    this.messages = messages;
    this.stopping = false;
    this.watchStatus(messages);
    this.consuming = this.consume(messages);
    this.logger.info({ subject: this.subject, durable: this.durableName }, 'listening');
  }

  /** Stops pulling messages and waits for the one being handled. */
  async stop(): Promise<void> {
    const messages = this.messages;
    if (!messages) return;
    this.stopping = true;
    await messages.close();
    await this.consuming;
    this.messages = undefined;
    this.consuming = undefined;
  }

  private async ensureConsumer(jsm: JetStreamManager): Promise<void> {
    const settings = {
      ack_wait: nanos(this.ackWaitMs),
      max_deliver: this.maxDeliveries + DEAD_LETTER_RETRIES,
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
    try {
      for await (const msg of messages) {
        if (this.stopping) {
          msg.nak();
          continue;
        }
        await this.handle(msg);
      }
    } catch (err) {
      this.logger.error({ err, durable: this.durableName }, 'consumer stopped with an error');
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
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
      data = parseEventData(this.subject, JSON.parse(msg.string()));
    } catch (err) {
      // A malformed message will never get better: record it and drop it now.
      await this.deadLetter(msg, context, 'invalid-payload', err);
      return;
    }

    try {
      await this.onMessage(data, msg);
      msg.ack();
    } catch (err) {
      if (deliveryCount >= this.maxDeliveries) {
        await this.deadLetter(msg, context, 'max-deliveries', err);
        return;
      }
      const delayMs = backoffDelay(deliveryCount, this.retryDelayMs, this.maxRetryDelayMs);
      if (err instanceof EventTooEarlyError) {
        this.logger.info({ ...context, delayMs, reason: err.message }, 'event too early, redelivering later');
      } else {
        this.logger.warn({ ...context, delayMs, err }, 'event handler failed, redelivering later');
      }
      msg.nak(delayMs);
    }
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
    } catch (publishErr) {
      this.logger.error({ ...context, err: publishErr }, 'could not store dead letter, redelivering later');
      msg.nak(backoffDelay(context.deliveryCount, this.retryDelayMs, this.maxRetryDelayMs));
    }
  }
}
