import { DeliverPolicy, type ConsumerInfo, type JsMsg } from '@nats-io/jetstream';
import { DEAD_LETTER_STREAM, DEAD_LETTER_SUBJECT_PREFIX, EVENT_STREAM, type Bus } from '../events/bus';
import type { EventData } from '../events/schemas';
import type { Subjects } from '../events/subjects';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Said in the timeout error, e.g. 'ticket to be reserved'. */
  description?: string;
}

/**
 * Polls `predicate` until it returns a truthy value (or stops throwing) and returns
 * that value; fails with the last error after `timeoutMs`. Tests wait for
 * conditions with this instead of sleeping.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const what = options.description ?? 'condition';
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Whether a consumer has handled every message stored so far (acked, or terminated as a dead
 * letter): what "the service has caught up with the stream" means.
 */
export function hasCaughtUp(info: ConsumerInfo): boolean {
  return info.num_pending === 0 && info.num_ack_pending === 0;
}

/** Waits until the durable consumer `durableName` has caught up with the stream (see hasCaughtUp). */
export async function waitForConsumer(bus: Bus, durableName: string, timeoutMs = 20_000): Promise<void> {
  const jsm = await bus.jetstreamManager();
  await waitFor(async () => hasCaughtUp(await jsm.consumers.info(EVENT_STREAM, durableName)), {
    timeoutMs,
    description: `${durableName} to handle every message`,
  });
}

export interface WaitForEventOptions<T> {
  /** Only a message whose data satisfies this counts. */
  match?: (data: T) => boolean;
  timeoutMs?: number;
}

export interface ReceivedEvent<T> {
  data: T;
  msg: JsMsg;
}

/**
 * Resolves with the first message on `subject` (already stored or arriving later)
 * whose data matches. Reads the stream through a throwaway ordered consumer, so it
 * never takes messages away from the services' durable consumers.
 * Subjects starting with `deadletter.` are read from the dead-letter stream.
 */
export async function waitForEvent<S extends Subjects>(
  bus: Bus,
  subject: S,
  options?: WaitForEventOptions<EventData<S>>,
): Promise<ReceivedEvent<EventData<S>>>;
export async function waitForEvent(
  bus: Bus,
  subject: string,
  options?: WaitForEventOptions<unknown>,
): Promise<ReceivedEvent<unknown>>;
export async function waitForEvent(
  bus: Bus,
  subject: string,
  options: WaitForEventOptions<unknown> = {},
): Promise<ReceivedEvent<unknown>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  // A request made while reconnecting can be lost; read only over a live connection.
  await waitFor(() => bus.isConnected(), { timeoutMs, description: 'the bus to be connected' });
  const stream = subject.startsWith(DEAD_LETTER_SUBJECT_PREFIX) ? DEAD_LETTER_STREAM : EVENT_STREAM;
  const consumer = await bus.js.consumers.get(stream, {
    filter_subjects: subject,
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void messages.close();
  }, timeoutMs);
  try {
    for await (const msg of messages) {
      const data: unknown = msg.json();
      if (!options.match || options.match(data)) return { data, msg };
    }
  } finally {
    clearTimeout(timer);
    await messages.close();
  }
  throw new Error(
    timedOut ? `timed out after ${timeoutMs} ms waiting for a ${subject} event` : `stopped reading ${subject}`,
  );
}
