import { spawn } from 'node:child_process';
import path from 'node:path';
import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { createMemoryLogger } from '../testing/memory-logger';
import { startTestMongo, type TestMongo } from '../testing/mongo';
import { startNatsServer, type TestNatsServer } from '../testing/nats-server';
import { waitFor, waitForEvent } from '../testing/wait';
import { connectBus, DEAD_LETTER_STREAM, EVENT_STREAM, type Bus } from './bus';
import { InvalidEventError } from './errors';
import { Listener, type ListenerOptions } from './listener';
import { Outbox, OutboxRelay } from './outbox';
import type { TicketCreatedEvent } from './schemas';
import { Subjects, TicketStatus } from './subjects';

interface Ticket {
  title: string;
  price: number;
}

const fastRelay = { intervalMs: 50, maxBackoffMs: 200 };

class TicketCreatedTestListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly handler: (data: TicketCreatedEvent['data']) => Promise<void>,
  ) {
    super(bus, options);
  }

  onMessage(data: TicketCreatedEvent['data']): Promise<void> {
    return this.handler(data);
  }
}

let mongo: TestMongo;
let nats: TestNatsServer;
let connection: Connection;
let bus: Bus;
let Ticket: Model<Ticket>;
const logger = createMemoryLogger();
const relays: OutboxRelay[] = [];

function relay(outbox: Outbox): OutboxRelay {
  const created = new OutboxRelay({ outbox, bus, ...fastRelay });
  relays.push(created);
  created.start();
  return created;
}

const newId = () => new mongoose.Types.ObjectId().toHexString();

async function streamMessages(): Promise<number> {
  const jsm = await bus.jetstreamManager();
  return (await jsm.streams.info(EVENT_STREAM)).state.messages;
}

async function createTicket(outbox: Outbox, title: string) {
  const ticketId = newId();
  const eventId = await outbox.transaction(async (session, record) => {
    await Ticket.create([{ _id: ticketId, title, price: 10 }], { session });
    return record(Subjects.TicketCreated, {
      id: ticketId,
      version: 0,
      title,
      price: 10,
      userId: newId(),
      status: TicketStatus.Available,
    });
  });
  return { ticketId, eventId };
}

beforeAll(async () => {
  [mongo, nats] = await Promise.all([startTestMongo(), startNatsServer()]);
  connection = await mongoose.createConnection(mongo.uri).asPromise();
  Ticket = connection.model<Ticket>('Ticket', new Schema<Ticket>({ title: String, price: Number }));
  await Ticket.createCollection();
  await new Outbox({ connection, logger }).model.createCollection();
  bus = await connectBus({ servers: nats.url, name: 'outbox-test', logger, reconnectTimeWaitMs: 100 });
  await bus.ensureStream();
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
  await (await bus.jetstreamManager()).streams.purge(EVENT_STREAM);
  await Ticket.deleteMany({});
  await new Outbox({ connection, logger }).model.deleteMany({});
});

afterAll(async () => {
  await bus?.close();
  await connection?.close();
  await Promise.all([nats?.stop(), mongo?.stop()]);
});

describe('Outbox.transaction', () => {
  it('commits the domain write and its event together, then publishes the event', async () => {
    const outbox = new Outbox({ connection, logger, bus });
    const { ticketId, eventId } = await createTicket(outbox, 'commit');

    expect(await Ticket.findById(ticketId)).toBeTruthy();
    await outbox.flush();
    const stored = await outbox.model.findById(eventId).lean();
    expect(stored).toMatchObject({ subject: Subjects.TicketCreated, data: { id: ticketId, title: 'commit' } });
    expect(stored?.publishedAt).toBeInstanceOf(Date);

    const { data, msg } = await waitForEvent(bus, Subjects.TicketCreated);
    expect(data.id).toBe(ticketId);
    expect(msg.headers?.get('Nats-Msg-Id')).toBe(eventId);
  });

  it('publishes the events of many transactions, marking them published in fewer writes than transactions', async () => {
    const outbox = new Outbox({ connection, logger, bus });
    const marks = jest.spyOn(outbox.model, 'updateMany');
    const created = await Promise.all(Array.from({ length: 30 }, (_, index) => createTicket(outbox, `burst ${index}`)));
    await outbox.flush();

    expect(await outbox.model.countDocuments({ publishedAt: null })).toBe(0);
    // Publishing does not wait for each transaction's mark: the records published meanwhile are marked together.
    expect(marks.mock.calls.length).toBeLessThan(created.length);
    expect(await streamMessages()).toBe(created.length);
  });

  it('writes neither the domain change nor the event when the work fails', async () => {
    const outbox = new Outbox({ connection, logger, bus });
    const ticketId = newId();
    await expect(
      outbox.transaction(async (session, record) => {
        await Ticket.create([{ _id: ticketId, title: 'abort', price: 10 }], { session });
        record(Subjects.TicketCreated, {
          id: ticketId,
          version: 0,
          title: 'abort',
          price: 10,
          userId: newId(),
          status: TicketStatus.Available,
        });
        throw new Error('business rule broken');
      }),
    ).rejects.toThrow('business rule broken');

    expect(await Ticket.findById(ticketId)).toBeNull();
    expect(await outbox.model.countDocuments()).toBe(0);
    expect(await streamMessages()).toBe(0);
  });

  it('rejects an invalid event before committing anything', async () => {
    const outbox = new Outbox({ connection, logger, bus });
    const ticketId = newId();
    await expect(
      outbox.transaction(async (session, record) => {
        await Ticket.create([{ _id: ticketId, title: 'invalid', price: 10 }], { session });
        record(Subjects.TicketCreated, {
          id: ticketId,
          version: 0,
          title: 'invalid',
          price: 0.001,
          userId: newId(),
          status: TicketStatus.Available,
        });
      }),
    ).rejects.toThrow(InvalidEventError);
    expect(await Ticket.findById(ticketId)).toBeNull();
    expect(await outbox.model.countDocuments()).toBe(0);
  });
});

describe('OutboxRelay', () => {
  it('delivers an event committed by a process killed before it could publish', async () => {
    const ticketId = newId();
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', path.join(__dirname, 'outbox-crash.fixture.ts'), mongo.uri, ticketId, newId()],
      { cwd: path.join(__dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const eventId = await waitFor(() => /committed ([0-9a-f]{24})/.exec(output)?.[1], {
      timeoutMs: 20_000,
      description: `the child to commit (output: ${output})`,
    });
    child.kill('SIGKILL');
    await exited;

    const outbox = new Outbox({ connection, logger, bus });
    expect(await Ticket.findById(ticketId)).toBeTruthy();
    expect((await outbox.model.findById(eventId).lean())?.publishedAt).toBeNull();
    expect(await streamMessages()).toBe(0);

    relay(outbox);
    const { data, msg } = await waitForEvent(bus, Subjects.TicketCreated);
    expect(data.id).toBe(ticketId);
    expect(msg.headers?.get('Nats-Msg-Id')).toBe(eventId);
    await waitFor(async () => (await outbox.model.findById(eventId).lean())?.publishedAt);
  }, 30_000);

  it('commits while NATS is down and delivers the event once NATS is back', async () => {
    const outbox = new Outbox({ connection, logger, bus });
    relay(outbox);
    await nats.kill();
    await waitFor(() => !bus.isConnected());

    const { ticketId, eventId } = await createTicket(outbox, 'outage');
    expect(await Ticket.findById(ticketId)).toBeTruthy();
    expect((await outbox.model.findById(eventId).lean())?.publishedAt).toBeNull();

    await nats.restart();
    const { data } = await waitForEvent(bus, Subjects.TicketCreated, { timeoutMs: 15_000 });
    expect(data.id).toBe(ticketId);
    await waitFor(async () => (await outbox.model.findById(eventId).lean())?.publishedAt);
    expect(await streamMessages()).toBe(1);
    expect(logger.entries.some((e) => e.msg === 'outbox relay waiting for NATS')).toBe(true);
  }, 30_000);

  it('provisions the stream again when NATS restarted with an empty store, then publishes what was committed meanwhile', async () => {
    const outbox = new Outbox({ connection, logger, bus });
    relay(outbox);
    await nats.kill();
    await waitFor(() => !bus.isConnected());
    const { ticketId, eventId } = await createTicket(outbox, 'store-lost');

    await nats.restartEmpty();
    await waitFor(async () => (await outbox.model.findById(eventId).lean())?.publishedAt, { timeoutMs: 15_000 });
    const { data } = await waitForEvent(bus, Subjects.TicketCreated);
    expect(data.id).toBe(ticketId);
    expect(await streamMessages()).toBe(1);
    expect(logger.entries.some((e) => e.msg === 'outbox relay failed')).toBe(true);
    await (await bus.jetstreamManager()).streams.info(DEAD_LETTER_STREAM);
  }, 30_000);

  it('after NATS lost its store, a listener receives what was committed during the outage and what is published later', async () => {
    const handled: string[] = [];
    const listener = new TicketCreatedTestListener(
      bus,
      { serviceName: 'store-lost', retryDelayMs: 50, maxRetryDelayMs: 200 },
      async (data) => {
        handled.push(data.title);
      },
    );
    const outbox = new Outbox({ connection, logger, bus });
    relay(outbox);
    await listener.listen();
    try {
      await createTicket(outbox, 'before');
      await waitFor(() => handled.includes('before'));

      await nats.kill();
      await waitFor(() => !bus.isConnected());
      await createTicket(outbox, 'during');
      await nats.restartEmpty();
      await waitFor(() => handled.includes('during'), { timeoutMs: 20_000 });

      await createTicket(outbox, 'after');
      await waitFor(() => handled.includes('after'));
      expect(handled).toEqual(['before', 'during', 'after']);
      expect(listener.isConsuming()).toBe(true);
    } finally {
      await listener.stop();
    }
  }, 30_000);

  it('publishes an outbox record only once even when it is sent again', async () => {
    const outbox = new Outbox({ connection, logger, bus });
    const { eventId } = await createTicket(outbox, 'once');
    expect(await streamMessages()).toBe(1);

    // As if a replica published it and crashed before marking it published.
    await outbox.model.updateOne({ _id: eventId }, { $set: { publishedAt: null } });
    relay(outbox);
    await waitFor(async () => (await outbox.model.findById(eventId).lean())?.publishedAt);
    expect(await streamMessages()).toBe(1);
  });

  it('lets several replicas relay the same outbox without duplicates', async () => {
    const withoutBus = new Outbox({ connection, logger });
    for (let i = 0; i < 10; i += 1) await createTicket(withoutBus, `replica-${i}`);
    expect(await streamMessages()).toBe(0);

    relay(new Outbox({ connection, logger, bus }));
    relay(new Outbox({ connection, logger, bus }));
    await waitFor(async () => (await withoutBus.model.countDocuments({ publishedAt: null })) === 0);
    expect(await streamMessages()).toBe(10);
  });

  it('prunes published records after the retention period, never pending ones', async () => {
    const outbox = new Outbox({ connection, logger, bus });
    await createTicket(outbox, 'published');
    await createTicket(new Outbox({ connection, logger }), 'pending');

    expect(await outbox.prunePublished(60_000)).toBe(0);
    expect(await outbox.prunePublished(0)).toBe(1);
    expect((await outbox.model.find().lean()).map((r) => (r.data as { title: string }).title)).toEqual(['pending']);
  });
});
