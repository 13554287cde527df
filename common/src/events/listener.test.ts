import { randomBytes } from 'node:crypto';
import { AckPolicy, type JsMsg } from '@nats-io/jetstream';
import { createMemoryLogger } from '../testing/memory-logger';
import { startNatsServer, type TestNatsServer } from '../testing/nats-server';
import { waitFor, waitForConsumer, waitForEvent } from '../testing/wait';
import { connectBus, DEAD_LETTER_STREAM, EVENT_STREAM, type Bus } from './bus';
import { EventTooEarlyError, InvalidEventError } from './errors';
import { Listener, type DeadLetterRecord, type ListenerOptions } from './listener';
import { Publisher } from './publisher';
import type { TicketCreatedEvent } from './schemas';
import { Subjects, TicketStatus } from './subjects';

type TicketData = TicketCreatedEvent['data'];
type Handler = (data: TicketData, msg: JsMsg) => Promise<void>;

class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
}

class TicketCreatedTestListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly handler: Handler,
  ) {
    super(bus, options);
  }

  onMessage(data: TicketData, msg: JsMsg): Promise<void> {
    return this.handler(data, msg);
  }
}

const objectId = () => randomBytes(12).toString('hex');
const ticket = (title = 'concert'): TicketData => ({
  id: objectId(),
  version: 0,
  title,
  price: 10,
  userId: objectId(),
  status: TicketStatus.Available,
});

// Short timings so redeliveries happen within the test's patience.
const fast = { ackWaitMs: 2_000, retryDelayMs: 50, maxRetryDelayMs: 200 };

let nats: TestNatsServer;
let bus: Bus;
let logger: ReturnType<typeof createMemoryLogger>;
let publisher: TicketCreatedPublisher;
const listeners: Listener<TicketCreatedEvent>[] = [];

function listener(serviceName: string, handler: Handler, options: Partial<ListenerOptions> = {}) {
  const created = new TicketCreatedTestListener(bus, { serviceName, ...fast, ...options }, handler);
  listeners.push(created);
  return created;
}

beforeAll(async () => {
  nats = await startNatsServer();
  logger = createMemoryLogger();
  bus = await connectBus({ servers: nats.url, name: 'listener-test', logger, reconnectTimeWaitMs: 100 });
  await bus.ensureStream();
  publisher = new TicketCreatedPublisher(bus);
});

afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.stop()));
  const jsm = await bus.jetstreamManager();
  await jsm.streams.purge(EVENT_STREAM);
  await jsm.streams.purge(DEAD_LETTER_STREAM);
  logger.entries.length = 0;
});

afterAll(async () => {
  await bus?.close();
  await nats?.stop();
});

describe('publisher', () => {
  it('rejects a malformed event before sending it', async () => {
    await expect(publisher.publish({ ...ticket(), price: -1 })).rejects.toThrow(InvalidEventError);
    const jsm = await bus.jetstreamManager();
    expect((await jsm.streams.info(EVENT_STREAM)).state.messages).toBe(0);
  });

  it('stores an event id only once within the duplicate window', async () => {
    const data = ticket();
    const first = await publisher.publish(data, { eventId: 'evt-1' });
    const second = await publisher.publish(data, { eventId: 'evt-1' });
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ eventId: 'evt-1', seq: first.seq, duplicate: true });

    const handled: string[] = [];
    await listener('dedup', async (d) => {
      handled.push(d.title);
    }).listen();
    await publisher.publish(ticket('marker'));
    await waitFor(() => handled.includes('marker'));
    expect(handled).toEqual(['concert', 'marker']);
  });
});

describe('listener', () => {
  it('receives what a publisher sends, validated, and acks it', async () => {
    const received: TicketData[] = [];
    const l = listener('roundtrip', async (data) => {
      received.push(data);
    });
    await l.listen();
    const data = ticket();
    await publisher.publish(data);
    await waitFor(() => received.length === 1);
    expect(received[0]).toEqual(data);

    const jsm = await bus.jetstreamManager();
    await waitFor(async () => (await jsm.consumers.info(EVENT_STREAM, l.durableName)).num_ack_pending === 0);
    expect(l.durableName).toBe('roundtrip-ticket-created');
  });

  it('shares one durable between replicas: each message is handled once', async () => {
    const handledBy = new Map<string, string[]>();
    const record = (replica: string) => async (data: TicketData) => {
      handledBy.set(data.title, [...(handledBy.get(data.title) ?? []), replica]);
    };
    await Promise.all([listener('shared', record('a')).listen(), listener('shared', record('b')).listen()]);

    const titles = Array.from({ length: 30 }, (_, i) => `ticket-${i}`);
    for (const title of titles) await publisher.publish(ticket(title));

    await waitFor(() => handledBy.size === titles.length);
    const jsm = await bus.jetstreamManager();
    await waitFor(async () => (await jsm.consumers.info(EVENT_STREAM, 'shared-ticket-created')).num_ack_pending === 0);
    for (const title of titles) expect(handledBy.get(title)).toHaveLength(1);
    // Both replicas pulled from the shared durable.
    expect(new Set([...handledBy.values()].flat())).toEqual(new Set(['a', 'b']));
  });

  it('redelivers a message whose handler failed', async () => {
    const attempts: number[] = [];
    await listener('retry', async (_data, msg) => {
      attempts.push(msg.info.deliveryCount);
      if (attempts.length === 1) throw new Error('database unavailable');
    }).listen();
    await publisher.publish(ticket());
    await waitFor(() => attempts.length === 2);
    expect(attempts).toEqual([1, 2]);
    expect(logger.entries.some((e) => e.level === 'warn' && e.msg === 'event handler failed, redelivering later')).toBe(
      true,
    );
  });

  it('redelivers a too-early event later, beyond maxDeliveries, without reporting a failure, and then handles it', async () => {
    const seen: string[] = [];
    let handled: TicketData | undefined;
    await listener(
      'early',
      async (data) => {
        seen.push(data.title);
        if (data.title === 'v1' && !seen.includes('v0')) throw new EventTooEarlyError('waiting for v0');
        if (data.title === 'v1') handled = data;
      },
      { maxDeliveries: 2 },
    ).listen();
    await publisher.publish(ticket('v1'));
    await waitFor(() => seen.filter((t) => t === 'v1').length >= 4);
    await publisher.publish(ticket('v0'));
    await waitFor(() => handled);
    expect(logger.entries.filter((e) => e.level === 'warn' || e.level === 'error')).toEqual([]);
    expect(logger.entries.some((e) => e.msg === 'event too early, redelivering later')).toBe(true);
    const jsm = await bus.jetstreamManager();
    expect((await jsm.streams.info(DEAD_LETTER_STREAM)).state.messages).toBe(0);
  });

  /**
   * Starts a listener for which the ticket titled 'waits' is always too early, publishes it, and
   * returns its redeliveries as logged (delay and wait so far) and how many times it was handled.
   */
  async function tooEarlyForever(serviceName: string, options: Partial<ListenerOptions>) {
    let attempts = 0;
    await listener(
      serviceName,
      async (data) => {
        if (data.title === 'waits') {
          attempts += 1;
          throw new EventTooEarlyError('waiting for an event that never comes');
        }
      },
      options,
    ).listen();
    await publisher.publish(ticket('waits'));
    return {
      attempts: () => attempts,
      redeliveries: () =>
        logger.entries
          .map((e) => ({ msg: e.msg, ...(e.obj as { durable?: string; delayMs?: number; waitedMs?: number }) }))
          .filter(
            (e) => e.msg === 'event too early, redelivering later' && e.durable === `${serviceName}-ticket-created`,
          ),
    };
  }

  it('redelivers a too-early event at most maxTooEarlyRetryDelayMs apart while it has waited less than ten times that', async () => {
    const waiting = await tooEarlyForever('early-cap', {
      retryDelayMs: 20,
      maxRetryDelayMs: 10_000,
      maxTooEarlyRetryDelayMs: 50,
    });
    await waitFor(() => waiting.attempts() >= 8);

    const delays = waiting.redeliveries().map((e) => e.delayMs);
    // Doubling up to maxRetryDelayMs would wait 20, 40, 80, 160, 320, 640 and 1,280 ms.
    expect(delays.slice(0, 7)).toEqual([20, 40, 50, 50, 50, 50, 50]);
  });

  it('redelivers a too-early event that has waited long after a tenth of its wait so far, up to maxRetryDelayMs', async () => {
    const waiting = await tooEarlyForever('early-long', {
      retryDelayMs: 20,
      maxRetryDelayMs: 300,
      maxTooEarlyRetryDelayMs: 50,
    });
    await waitFor(() => waiting.redeliveries().some((e) => e.waitedMs! >= 4_000), { timeoutMs: 15_000 });

    for (const { delayMs, waitedMs } of waiting.redeliveries()) {
      if (waitedMs! < 500) expect(delayMs).toBeLessThanOrEqual(50);
      else expect({ waitedMs, delayMs }).toEqual({ waitedMs, delayMs: Math.min(Math.round(waitedMs! / 10), 300) });
    }
    // Every 50 ms for 4 s would be about 80.
    expect(waiting.attempts()).toBeLessThan(50);
  });

  it('dead-letters a too-early event once maxTooEarlyWaitMs has passed since it was published', async () => {
    const good: string[] = [];
    let earlyAttempts = 0;
    await listener(
      'too-early',
      async (data) => {
        if (data.title === 'early') {
          earlyAttempts += 1;
          throw new EventTooEarlyError('waiting for an event that never comes');
        }
        good.push(data.title);
      },
      { maxDeliveries: 2, maxTooEarlyWaitMs: 500, maxRetryDelayMs: 100 },
    ).listen();

    const publishedAt = Date.now();
    const early = await publisher.publish(ticket('early'));
    await publisher.publish(ticket('after'));

    const { data } = await waitForEvent(bus, `deadletter.${Subjects.TicketCreated}`);
    const record = data as DeadLetterRecord;
    expect(record).toMatchObject({
      streamSequence: early.seq,
      consumer: 'too-early-ticket-created',
      eventId: early.eventId,
      reason: 'too-early-timeout',
      error: 'waiting for an event that never comes',
    });
    expect(record.deliveryCount).toBeGreaterThan(2);
    expect(Date.parse(record.deadLetteredAt) - publishedAt).toBeGreaterThanOrEqual(500);
    expect(good).toEqual(['after']);

    const attempts = earlyAttempts;
    await waitForConsumer(bus, 'too-early-ticket-created');
    expect(earlyAttempts).toBe(attempts);
  });

  it('retries storing a dead letter that could not be stored', async () => {
    const jsm = await bus.jetstreamManager();
    await jsm.streams.delete(DEAD_LETTER_STREAM);
    await listener(
      'no-dead-letter-stream',
      async () => {
        throw new Error('cannot apply');
      },
      { maxDeliveries: 1 },
    ).listen();
    const poison = await publisher.publish(ticket('poison'));
    await waitFor(() => logger.entries.some((e) => e.msg === 'could not store dead letter, redelivering later'));

    await bus.ensureStream();
    const { data } = await waitForEvent(bus, `deadletter.${Subjects.TicketCreated}`);
    expect(data).toMatchObject({ streamSequence: poison.seq, reason: 'max-deliveries' });
    await waitForConsumer(bus, 'no-dead-letter-stream-ticket-created');
  });

  it('dead-letters a message after bounded deliveries while later messages still flow', async () => {
    const good: string[] = [];
    let poisonAttempts = 0;
    await listener(
      'poison',
      async (data) => {
        if (data.title === 'poison') {
          poisonAttempts += 1;
          throw new Error('cannot apply');
        }
        good.push(data.title);
      },
      { maxDeliveries: 3 },
    ).listen();

    const poison = await publisher.publish(ticket('poison'));
    await publisher.publish(ticket('after-1'));
    await publisher.publish(ticket('after-2'));

    const { data } = await waitForEvent(bus, `deadletter.${Subjects.TicketCreated}`);
    const record = data as DeadLetterRecord;
    expect(record).toMatchObject({
      subject: Subjects.TicketCreated,
      streamSequence: poison.seq,
      consumer: 'poison-ticket-created',
      deliveryCount: 3,
      eventId: poison.eventId,
      reason: 'max-deliveries',
      error: 'cannot apply',
    });
    expect(JSON.parse(record.payload).title).toBe('poison');
    expect(poisonAttempts).toBe(3);
    await waitFor(() => good.length === 2);
    expect(good).toEqual(['after-1', 'after-2']);
    expect(logger.entries.some((e) => e.level === 'error' && e.msg === 'event dead-lettered')).toBe(true);

    // Terminated: never delivered again.
    const jsm = await bus.jetstreamManager();
    await waitFor(async () => (await jsm.consumers.info(EVENT_STREAM, 'poison-ticket-created')).num_ack_pending === 0);
    expect(poisonAttempts).toBe(3);
  });

  it('dead-letters a malformed message at once, without calling the handler', async () => {
    const handled: string[] = [];
    await listener('malformed', async (data) => {
      handled.push(data.title);
    }).listen();
    await bus.js.publish(Subjects.TicketCreated, JSON.stringify({ id: 'not-an-id', price: 'free' }));
    await bus.js.publish(Subjects.TicketCreated, 'not json');
    await publisher.publish(ticket('valid'));

    await waitFor(() => handled.includes('valid'));
    const invalid = await waitForEvent(bus, 'deadletter.ticket.created', {
      match: (d) => (d as DeadLetterRecord).payload === 'not json',
    });
    expect(invalid.data).toMatchObject({ reason: 'invalid-payload', deliveryCount: 1 });
    await waitForEvent(bus, 'deadletter.ticket.created', {
      match: (d) => (d as DeadLetterRecord).error.includes('price'),
    });
    expect(handled).toEqual(['valid']);
  });

  it('provisions stream and consumer idempotently, updating changed settings', async () => {
    await Promise.all([bus.ensureStream(), bus.ensureStream()]);
    const jsm = await bus.jetstreamManager();
    // As an earlier version left it: the server stopped redelivering after 13 deliveries.
    await jsm.consumers.add(EVENT_STREAM, {
      durable_name: 'twice-ticket-created',
      filter_subject: Subjects.TicketCreated,
      ack_policy: AckPolicy.Explicit,
      max_deliver: 13,
    });
    const handled: string[] = [];
    const handler = async (data: TicketData) => {
      handled.push(data.title);
    };
    await Promise.all([listener('twice', handler).listen(), listener('twice', handler).listen()]);
    await listener('twice', handler, { ackWaitMs: 3_000 }).listen();

    const info = await jsm.consumers.info(EVENT_STREAM, 'twice-ticket-created');
    expect(info.config.ack_wait).toBe(3_000 * 1_000_000);
    expect(info.config.max_deliver).toBe(-1);
    expect(info.config.filter_subject).toBe(Subjects.TicketCreated);
    const names = (await jsm.consumers.list(EVENT_STREAM).next()).map((c) => c.name);
    expect(names.filter((name) => name.startsWith('twice'))).toEqual(['twice-ticket-created']);

    await publisher.publish(ticket('once'));
    await waitFor(() => handled.length === 1);
    await waitFor(async () => (await jsm.consumers.info(EVENT_STREAM, 'twice-ticket-created')).num_ack_pending === 0);
    expect(handled).toEqual(['once']);
  });

  it('stop() waits for the message being handled, which is then acked', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const l = listener('stopping', async () => {
      started = true;
      await released;
    });
    await l.listen();
    await publisher.publish(ticket());
    await waitFor(() => started);

    let stopped = false;
    const stopping = l.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;

    const jsm = await bus.jetstreamManager();
    await waitFor(
      async () => (await jsm.consumers.info(EVENT_STREAM, 'stopping-ticket-created')).num_ack_pending === 0,
    );
    expect((await jsm.consumers.info(EVENT_STREAM, 'stopping-ticket-created')).num_pending).toBe(0);
  });

  it('handles up to `concurrency` messages about different tickets at once, and no more', async () => {
    let running = 0;
    let mostAtOnce = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    const l = listener(
      'concurrent',
      async (data) => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await released;
        running -= 1;
        handled.push(data.title);
      },
      { concurrency: 3 },
    );
    await l.listen();
    for (let i = 0; i < 5; i++) await publisher.publish(ticket(`ticket-${i}`));

    await waitFor(() => running === 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(running).toBe(3);
    release();
    await waitFor(() => handled.length === 5);
    expect(mostAtOnce).toBe(3);
  });

  it('handles the events of one entity one after the other, in the order they arrived', async () => {
    const id = objectId();
    const events: string[] = [];
    const l = listener(
      'per-entity',
      async (data) => {
        events.push(`start ${data.version}`);
        // Long enough for a concurrent handling of the next version to show.
        await new Promise((resolve) => setTimeout(resolve, 20));
        events.push(`end ${data.version}`);
      },
      { concurrency: 4 },
    );
    await l.listen();
    for (let version = 0; version < 4; version++) await publisher.publish({ ...ticket(), id, version });

    await waitFor(() => events.length === 8);
    expect(events).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it.each([[0], [1.5], [-2]])('refuses a concurrency of %s', (concurrency) => {
    expect(() => listener('bad-concurrency', async () => undefined, { concurrency })).toThrow(/concurrency/);
  });

  it('keeps consuming after NATS goes down and comes back', async () => {
    const handled: string[] = [];
    await listener('outage', async (data) => {
      handled.push(data.title);
    }).listen();
    await publisher.publish(ticket('before'));
    await waitFor(() => handled.includes('before'));

    await nats.kill();
    await waitFor(() => !bus.isConnected());
    await nats.restart();
    await waitFor(() => bus.isConnected(), { timeoutMs: 10_000 });

    await publisher.publish(ticket('after'));
    await waitFor(() => handled.includes('after'), { timeoutMs: 20_000 });
    expect(handled).toEqual(['before', 'after']);
    expect(logger.entries.some((e) => e.msg === 'disconnected from NATS, reconnecting')).toBe(true);
    expect(logger.entries.some((e) => e.msg === 'reconnected to NATS')).toBe(true);
  }, 30_000);
});

describe('listener recovery', () => {
  // Restarts wait long enough for a test to see the listener not consuming meanwhile.
  const slowRestart = { retryDelayMs: 500, maxRetryDelayMs: 500 };

  it('is counted by the bus while listening, until stopped', async () => {
    const l = listener('registered', async () => undefined);
    expect(l.isConsuming()).toBe(false);
    await l.listen();
    expect(l.isConsuming()).toBe(true);
    expect(bus.listeners.has(l)).toBe(true);
    await l.stop();
    expect(l.isConsuming()).toBe(false);
    expect(bus.listeners.has(l)).toBe(false);
  });

  it('re-creates its consumer deleted while it runs, and consumes again', async () => {
    const handled: string[] = [];
    const l = listener(
      'deleted',
      async (data) => {
        handled.push(data.title);
      },
      slowRestart,
    );
    await l.listen();
    const jsm = await bus.jetstreamManager();
    await jsm.consumers.delete(EVENT_STREAM, l.durableName);

    await waitFor(() => !l.isConsuming(), { intervalMs: 5, description: 'the listener to stop consuming' });
    await waitFor(() => l.isConsuming(), { description: 'the listener to consume again' });
    expect((await jsm.consumers.info(EVENT_STREAM, l.durableName)).config.filter_subject).toBe(Subjects.TicketCreated);
    await publisher.publish(ticket('after'));
    await waitFor(() => handled.includes('after'));
    expect(logger.entries.some((e) => e.msg === 'consumer unavailable')).toBe(true);
  });

  it('re-creates the stream and its consumer after NATS restarted with an empty store', async () => {
    const handled: string[] = [];
    const l = listener(
      'store-lost',
      async (data) => {
        handled.push(data.title);
      },
      slowRestart,
    );
    await l.listen();
    await publisher.publish(ticket('before'));
    await waitFor(() => handled.includes('before'));

    await nats.restartEmpty();
    await waitFor(() => !l.isConsuming(), { intervalMs: 5, description: 'the listener to stop consuming' });
    await waitFor(() => l.isConsuming(), { timeoutMs: 20_000, description: 'the listener to consume again' });

    const jsm = await bus.jetstreamManager();
    expect((await jsm.streams.info(EVENT_STREAM)).state.messages).toBe(0);
    await jsm.streams.info(DEAD_LETTER_STREAM);
    await jsm.consumers.info(EVENT_STREAM, l.durableName);
    await publisher.publish(ticket('after'));
    await waitFor(() => handled.includes('after'));
    expect(handled).toEqual(['before', 'after']);
  }, 30_000);
});
