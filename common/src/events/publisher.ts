import { randomUUID } from 'node:crypto';
import { countPublished } from '../kit/metrics';
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
 */
export async function publishEventPayload(
  bus: Bus,
  subject: string,
  payload: unknown,
  eventId: string,
): Promise<PublishResult> {
  let ack;
  try {
    ack = await bus.js.publish(subject, JSON.stringify(payload), { msgID: eventId });
  } catch (err) {
    countPublished(bus, subject, 'failed');
    throw err;
  }
  countPublished(bus, subject, 'published');
  if (ack.duplicate) bus.logger.debug({ subject, eventId, seq: ack.seq }, 'event already in stream');
  else bus.logger.debug({ subject, eventId, seq: ack.seq }, 'published event');
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
