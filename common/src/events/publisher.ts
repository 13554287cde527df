import { randomUUID } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace as traceApi } from '@opentelemetry/api';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { countPublished } from '../kit/metrics';
import { contextFromCarrier, kitTracer, traceCarrierOf, type TraceCarrier } from '../kit/trace-context';
import type { Bus } from './bus';
import { parseEventData, type BaseEvent } from './schemas';

export interface PublishOptions {
  /** Stable id of this event; a second publish with the same id is dropped by the stream. */
  eventId?: string;
}

export interface PublishResult {
  eventId: string;
  /** Sequence of the event in the stream. */
  seq: number;
  /** True when the stream already had this event id and dropped the publish. */
  duplicate: boolean;
}

/**
 * Publishes an already validated payload and waits for the stream's acknowledgement.
 * The event id goes out as `Nats-Msg-Id`, so retries and relays never store an event twice.
 * The publish is a PRODUCER span (`order.created publish`) whose W3C context goes out in the message's
 * `traceparent` and `tracestate` headers, for the listeners to continue. Its parent is `trace` when
 * given (an outbox record's: the request that recorded it, however late and wherever it is relayed),
 * else the active context.
 */
export async function publishEventPayload(
  bus: Bus,
  subject: string,
  payload: unknown,
  eventId: string,
  trace?: TraceCarrier,
): Promise<PublishResult> {
  const parent = trace?.traceparent ? contextFromCarrier(trace) : context.active();
  const span = kitTracer().startSpan(
    `${subject} publish`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.destination.name': subject,
        'messaging.message.id': eventId,
      },
    },
    parent,
  );
  const publishing = traceApi.setSpan(parent, span);
  const headers = natsHeaders();
  for (const [name, value] of Object.entries(traceCarrierOf(publishing))) headers.set(name, value);
  let ack;
  try {
    ack = await bus.js.publish(subject, JSON.stringify(payload), { msgID: eventId, headers });
  } catch (err) {
    countPublished(bus, subject, 'failed');
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    span.end();
    throw err;
  }
  span.end();
  countPublished(bus, subject, 'published');
  // In the publish's context: a relayed event's line has the trace it continues.
  context.with(publishing, () => {
    if (ack.duplicate) bus.logger.debug({ subject, eventId, seq: ack.seq }, 'event already in stream');
    else bus.logger.debug({ subject, eventId, seq: ack.seq }, 'published event');
  });
  return { eventId, seq: ack.seq, duplicate: ack.duplicate };
}

export abstract class Publisher<E extends BaseEvent> {
  abstract readonly subject: E['subject'];

  constructor(protected readonly bus: Bus) {}

  /** Rejects with `InvalidEventError` before sending anything if `data` breaks the schema. */
  async publish(data: E['data'], options: PublishOptions = {}): Promise<PublishResult> {
    const payload = parseEventData(this.subject, data);
    return publishEventPayload(this.bus, this.subject, payload, options.eventId ?? randomUUID());
  }
}
