// Sign-up records user.created in the account's transaction: published once per account, never for a
// refused sign-up, and kept in the outbox while NATS is down until the relay publishes it.
import { OutboxRelay, Subjects } from '@ticketing/common';
import { waitFor, waitForEvent } from '@ticketing/common/testing';
import request from 'supertest';
import { User } from '../../src/models/user';
import { buildApp, signup, useTestEnvironment, userCreatedEvents } from '../setup';

const auth = useTestEnvironment();

describe('user.created on sign-up', () => {
  it('publishes one user.created per account: its id, email and creation time, never the password or its hash', async () => {
    const app = buildApp({ outbox: auth.outbox });
    const before = Date.now();
    const response = await signup(app, '  Alice@Example.com ').expect(201);

    const { data, msg } = await waitForEvent(auth.environment.bus, Subjects.UserCreated);
    expect(data).toEqual({ id: response.body.id, email: 'alice@example.com', createdAt: expect.any(String) });
    expect(Date.parse(data.createdAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(data.createdAt)).toBeLessThanOrEqual(Date.now());
    expect(JSON.stringify(msg.json())).not.toMatch(/password|hash|argon2|correct horse/i);

    // The event id is the outbox record's, and the account remembers it was announced.
    const eventId = msg.headers?.get('Nats-Msg-Id');
    const user = await User.findById(response.body.id).lean();
    expect(user?.createdEventId).toBe(eventId);
    expect(user?.createdAt?.toISOString()).toBe(data.createdAt);
    const records = await auth.outbox.model.find({ subject: Subjects.UserCreated }).lean();
    expect(records).toEqual([expect.objectContaining({ data, publishedAt: expect.any(Date) })]);
    expect(records[0]._id.toHexString()).toBe(eventId);
    expect(await userCreatedEvents(auth.environment.bus)).toEqual([{ data, eventId }]);
  });

  it('publishes nothing for a refused sign-up: email in use, invalid input, too many sign-ups', async () => {
    const app = buildApp({ outbox: auth.outbox, signupThrottle: { maxPerClient: 3, windowSeconds: 600 } });
    const alice = await signup(app, 'alice@example.com', undefined, '203.0.113.1').expect(201);
    await signup(app, 'ALICE@example.com', undefined, '203.0.113.1').expect(400);
    await request(app).post('/api/users/signup').send({ email: 'bob@example.com', password: 'short' }).expect(400);
    await request(app).post('/api/users/signup').send({ email: 'not-an-email', password: 'long enough' }).expect(400);
    await signup(app, 'carol@example.com', undefined, '203.0.113.1').expect(201);
    await signup(app, 'dave@example.com', undefined, '203.0.113.1').expect(429);

    // Carol's event comes after every refused attempt: once it is in, none of them is still on its way.
    const carol = await waitForEvent(auth.environment.bus, Subjects.UserCreated, {
      match: (data) => data.email === 'carol@example.com',
    });
    const events = await userCreatedEvents(auth.environment.bus);
    expect(events.map((event) => event.data.email)).toEqual(['alice@example.com', 'carol@example.com']);
    expect(events[0]).toMatchObject({ data: { id: alice.body.id } });
    expect(events[1]).toMatchObject({ data: carol.data });
    expect(await auth.outbox.model.countDocuments()).toBe(2);
    expect(await User.countDocuments()).toBe(2);
  });

  it('publishes one user.created when several sign-ups with one email race', async () => {
    const app = buildApp({ outbox: auth.outbox });
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, index) => signup(app, index % 2 ? 'RACE@example.com' : 'race@example.com')),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([201, 400, 400, 400, 400]);
    const created = responses.find((response) => response.status === 201)!;

    const { data } = await waitForEvent(auth.environment.bus, Subjects.UserCreated);
    expect(data).toMatchObject({ id: created.body.id, email: 'race@example.com' });
    expect(await userCreatedEvents(auth.environment.bus)).toHaveLength(1);
    expect(await auth.outbox.model.countDocuments()).toBe(1);
  });

  it('keeps the event while NATS is down and the relay publishes it once NATS is back', async () => {
    const app = buildApp({ outbox: auth.outbox });
    const relay = new OutboxRelay({
      outbox: auth.outbox,
      bus: auth.environment.bus,
      intervalMs: 50,
      maxBackoffMs: 200,
    });
    relay.start();
    try {
      await auth.environment.nats.kill();
      await waitFor(() => !auth.environment.bus.isConnected(), { description: 'the bus to see NATS down' });

      const response = await signup(app, 'offline@example.com').expect(201);
      const record = await auth.outbox.model.findOne({ subject: Subjects.UserCreated }).lean();
      expect(record).toMatchObject({ data: { id: response.body.id, email: 'offline@example.com' }, publishedAt: null });

      await auth.environment.nats.restart();
      const { data, msg } = await waitForEvent(auth.environment.bus, Subjects.UserCreated, { timeoutMs: 15_000 });
      expect(data).toEqual(record!.data);
      expect(msg.headers?.get('Nats-Msg-Id')).toBe(record!._id.toHexString());
      await waitFor(async () => (await auth.outbox.model.findById(record!._id).lean())?.publishedAt, {
        description: 'the record to be marked published',
      });
      expect(await userCreatedEvents(auth.environment.bus)).toHaveLength(1);
    } finally {
      await relay.stop();
    }
  }, 30_000);
});
