import { randomBytes } from 'node:crypto';
import { createMemoryLogger } from '../testing/memory-logger';
import { startNatsServer, type TestNatsServer } from '../testing/nats-server';
import { waitFor, waitForConsumer } from '../testing/wait';
import { connectBus, DEAD_LETTER_STREAM, EVENT_STREAM, type Bus } from './bus';
import {
  DeadLetterNotFoundError,
  listDeadLetters,
  readDeadLetter,
  replayAllDeadLetters,
  replayDeadLetter,
} from './dead-letters';
import { Listener } from './listener';
import { Publisher } from './publisher';
import type { TicketCreatedEvent } from './schemas';
import { Subjects, TicketStatus } from './subjects';

type TicketData = TicketCreatedEvent['data'];

class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
}

/** Dead-letters every event at its first failure while `broken`, handles them once repaired. */
class RepairableListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
  broken = true;
  readonly handled: string[] = [];

  constructor(bus: Bus) {
    super(bus, { serviceName: 'repairable', maxDeliveries: 1, retryDelayMs: 50, maxRetryDelayMs: 200 });
  }

  async onMessage(data: TicketData): Promise<void> {
    if (this.broken) throw new Error('database unavailable');
    this.handled.push(data.title);
  }
}

const objectId = () => randomBytes(12).toString('hex');
const ticket = (title: string): TicketData => ({
  id: objectId(),
  version: 0,
  title,
  price: 10,
  userId: objectId(),
  status: TicketStatus.Available,
});

let nats: TestNatsServer;
let bus: Bus;
let publisher: TicketCreatedPublisher;
let listener: RepairableListener;

async function deadLetterCount(): Promise<number> {
  const jsm = await bus.jetstreamManager();
  return (await jsm.streams.info(DEAD_LETTER_STREAM)).state.messages;
}

/** Publishes events that the broken listener dead-letters; resolves with their event ids once all are stored. */
async function deadLetter(...titles: string[]): Promise<string[]> {
  const before = await deadLetterCount();
  const eventIds: string[] = [];
  for (const title of titles) eventIds.push((await publisher.publish(ticket(title))).eventId);
  await waitFor(async () => (await deadLetterCount()) === before + titles.length);
  return eventIds;
}

beforeAll(async () => {
  nats = await startNatsServer();
  bus = await connectBus({ servers: nats.url, name: 'dead-letters-test', logger: createMemoryLogger() });
  await bus.ensureStream();
  publisher = new TicketCreatedPublisher(bus);
});

beforeEach(async () => {
  listener = new RepairableListener(bus);
  await listener.listen();
});

afterEach(async () => {
  await listener.stop();
  const jsm = await bus.jetstreamManager();
  await jsm.streams.purge(EVENT_STREAM);
  await jsm.streams.purge(DEAD_LETTER_STREAM);
});

afterAll(async () => {
  await bus?.close();
  await nats?.stop();
});

describe('listDeadLetters and readDeadLetter', () => {
  it('list every dead letter, oldest first, by its sequence in the dead-letter stream', async () => {
    expect(await listDeadLetters(bus)).toEqual([]);
    const [firstEventId] = await deadLetter('first', 'second');

    const deadLetters = await listDeadLetters(bus);
    const { state } = await (await bus.jetstreamManager()).streams.info(DEAD_LETTER_STREAM);
    expect(deadLetters.map((d) => d.id)).toEqual([state.first_seq, state.last_seq]);
    expect(deadLetters.map((d) => JSON.parse(d.record.payload).title)).toEqual(['first', 'second']);
    expect(deadLetters[0].record).toMatchObject({
      subject: Subjects.TicketCreated,
      consumer: 'repairable-ticket-created',
      reason: 'max-deliveries',
      error: 'database unavailable',
      eventId: firstEventId,
    });
    expect(await readDeadLetter(bus, deadLetters[1].id)).toEqual(deadLetters[1]);
  });

  it('leave out the dead letters replayed since', async () => {
    await deadLetter('one', 'two', 'three');
    const [one, two, three] = await listDeadLetters(bus);
    listener.broken = false;
    await replayDeadLetter(bus, two.id);
    expect(await listDeadLetters(bus)).toEqual([one, three]);
    await waitForConsumer(bus, listener.durableName);
  });

  it('say when there is no dead letter with that id', async () => {
    await expect(readDeadLetter(bus, 999)).rejects.toThrow(new DeadLetterNotFoundError(999));
    await expect(replayDeadLetter(bus, 999)).rejects.toThrow('no dead letter 999');
  });

  it('say when there is no dead-letter stream', async () => {
    const jsm = await bus.jetstreamManager();
    await jsm.streams.delete(DEAD_LETTER_STREAM);
    try {
      await expect(listDeadLetters(bus)).rejects.toThrow(`no dead-letter stream ${DEAD_LETTER_STREAM}`);
    } finally {
      await bus.ensureStream();
    }
  });
});

describe('replayDeadLetter', () => {
  it('delivers the event again to the consumer that dead-lettered it, which acks it, and removes the dead letter', async () => {
    const [eventId] = await deadLetter('poison');
    const [{ id, record }] = await listDeadLetters(bus);
    listener.broken = false;

    const replayed = await replayDeadLetter(bus, id);
    // Within the duplicate window of the original event id: only a new id gets it stored.
    expect(replayed).toMatchObject({ id, subject: Subjects.TicketCreated, eventId: `${eventId}:replay:${id}` });
    expect(replayed.streamSequence).toBeGreaterThan(record.streamSequence);
    await waitFor(() => listener.handled.includes('poison'));
    await waitForConsumer(bus, listener.durableName);
    expect(listener.handled).toEqual(['poison']);
    expect(await listDeadLetters(bus)).toEqual([]);
    await expect(replayDeadLetter(bus, id)).rejects.toThrow(DeadLetterNotFoundError);
  });

  it('replays every dead letter with replayAllDeadLetters', async () => {
    const eventIds = await deadLetter('one', 'two', 'three');
    const ids = (await listDeadLetters(bus)).map((d) => d.id);
    listener.broken = false;

    const replayed = await replayAllDeadLetters(bus);
    expect(replayed.map((r) => r.eventId)).toEqual(eventIds.map((eventId, i) => `${eventId}:replay:${ids[i]}`));
    await waitFor(() => listener.handled.length === 3);
    await waitForConsumer(bus, listener.durableName);
    expect(listener.handled).toEqual(['one', 'two', 'three']);
    expect(await deadLetterCount()).toBe(0);
  });
});
