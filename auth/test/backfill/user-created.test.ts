// The one-off backfill: user.created for every account made before sign-up announced them, exactly once.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Subjects } from '@ticketing/common';
import { findFreePort, waitForEvent } from '@ticketing/common/testing';
import mongoose from 'mongoose';
import { backfillUserCreated } from '../../src/backfill/user-created';
import { User } from '../../src/models/user';
import { buildApp, scryptHash, signup, useTestEnvironment, userCreatedEvents } from '../setup';

const auth = useTestEnvironment();

/** Accounts as auth stored them before user.created: email and hash only. Resolves with their ids. */
async function insertOldAccounts(...emails: string[]): Promise<string[]> {
  const { insertedIds } = await User.collection.insertMany(
    emails.map((email) => ({ email, passwordHash: scryptHash('old password', 2 ** 10), __v: 0 })),
  );
  return Object.values(insertedIds).map((id) => id.toHexString());
}

describe('backfillUserCreated', () => {
  it('records and publishes user.created once for every account without one, leaving the announced ones alone', async () => {
    const [oldA, oldB] = await insertOldAccounts('old-a@example.com', 'old-b@example.com');
    const signedUp = await signup(buildApp({ outbox: auth.outbox }), 'new@example.com').expect(201);
    const announced = await User.findById(signedUp.body.id).lean();

    expect(await backfillUserCreated(auth.outbox)).toEqual({ recorded: 2, alreadyAnnounced: 1 });

    const records = await auth.outbox.model.find({ subject: Subjects.UserCreated }).sort({ _id: 1 }).lean();
    expect(records.map((record) => (record.data as { id: string }).id)).toEqual([signedUp.body.id, oldA, oldB]);
    for (const [id, email] of [
      [oldA, 'old-a@example.com'],
      [oldB, 'old-b@example.com'],
    ]) {
      const user = await User.findById(id).lean();
      const record = records.find((r) => (r.data as { id: string }).id === id)!;
      // Accounts older than createdAt are dated by their id, which MongoDB stamps with the creation time.
      const createdAt = new mongoose.Types.ObjectId(id).getTimestamp().toISOString();
      expect(record).toMatchObject({ data: { id, email, createdAt }, publishedAt: expect.any(Date) });
      expect(user?.createdEventId).toBe(record._id.toHexString());
    }
    // The account sign-up announced is as it was.
    expect(await User.findById(signedUp.body.id).lean()).toEqual(announced);

    const events = await userCreatedEvents(auth.environment.bus);
    expect(events.map((event) => event.data.id)).toEqual([signedUp.body.id, oldA, oldB]);
    expect(events.map((event) => event.eventId)).toEqual(records.map((record) => record._id.toHexString()));
  });

  it('records nothing the second time', async () => {
    await insertOldAccounts('old-a@example.com', 'old-b@example.com');
    expect(await backfillUserCreated(auth.outbox)).toEqual({ recorded: 2, alreadyAnnounced: 0 });
    const users = await User.find().lean();

    expect(await backfillUserCreated(auth.outbox)).toEqual({ recorded: 0, alreadyAnnounced: 2 });

    expect(await auth.outbox.model.countDocuments()).toBe(2);
    expect(await User.find().lean()).toEqual(users);
    expect(await userCreatedEvents(auth.environment.bus)).toHaveLength(2);
  });

  it('records one event per account when two runs race', async () => {
    const ids = await insertOldAccounts(...Array.from({ length: 6 }, (_, index) => `old-${index}@example.com`));

    const [first, second] = await Promise.all([backfillUserCreated(auth.outbox), backfillUserCreated(auth.outbox)]);

    expect(first.recorded + second.recorded).toBe(6);
    const recordedIds = (await auth.outbox.model.find().lean()).map((record) => (record.data as { id: string }).id);
    expect(recordedIds.sort()).toEqual([...ids].sort());
    const events = await userCreatedEvents(auth.environment.bus);
    expect(events.map((event) => event.data.id).sort()).toEqual([...ids].sort());
  });

  it('records nothing when every account is announced', async () => {
    await signup(buildApp({ outbox: auth.outbox }), 'new@example.com').expect(201);
    expect(await backfillUserCreated(auth.outbox)).toEqual({ recorded: 0, alreadyAnnounced: 1 });
    expect(await auth.outbox.model.countDocuments()).toBe(1);
  });
});

describe('npm run backfill:user-created -w @ticketing/auth', () => {
  const repositoryRoot = path.join(__dirname, '..', '..', '..');

  interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
  }

  function backfill(variables: Record<string, string>): Promise<Run> {
    const child = spawn('npm', ['run', '--silent', 'backfill:user-created', '-w', '@ticketing/auth'], {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...variables },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('announces the old accounts and publishes their events, then finds nothing left to do', async () => {
    const [oldA] = await insertOldAccounts('old-a@example.com');
    await signup(buildApp({ outbox: auth.outbox }), 'new@example.com').expect(201);

    const first = await backfill({ MONGO_URI: auth.environment.mongo.uri, NATS_URL: auth.environment.nats.url });
    expect(first).toEqual({
      code: 0,
      stdout: 'recorded user.created for 1 account; 1 already announced\n',
      stderr: '',
    });
    const { data } = await waitForEvent(auth.environment.bus, Subjects.UserCreated, {
      match: (event) => event.id === oldA,
    });
    expect(data).toMatchObject({ id: oldA, email: 'old-a@example.com' });
    expect((await User.findById(oldA).lean())?.createdEventId).toEqual(expect.stringMatching(/^[0-9a-f]{24}$/));

    const second = await backfill({ MONGO_URI: auth.environment.mongo.uri, NATS_URL: auth.environment.nats.url });
    expect(second).toEqual({
      code: 0,
      stdout: 'recorded user.created for 0 accounts; 2 already announced\n',
      stderr: '',
    });
    expect(await auth.outbox.model.countDocuments()).toBe(2);
    expect(await userCreatedEvents(auth.environment.bus)).toHaveLength(2);
  }, 60_000);

  it.each([
    ['nothing set', {}, 'Invalid configuration: MONGO_URI is required; NATS_URL is required'],
    [
      'malformed URLs',
      { MONGO_URI: 'localhost:27017', NATS_URL: 'http://127.0.0.1:4222' },
      'Invalid configuration: MONGO_URI: must be a mongodb:// or mongodb+srv:// URI; NATS_URL: must be a nats:// URL',
    ],
    [
      'a bad replica count',
      { MONGO_URI: 'mongodb://127.0.0.1:1', NATS_URL: 'nats://127.0.0.1:1', NATS_STREAM_REPLICAS: '7' },
      'Invalid configuration: NATS_STREAM_REPLICAS: must be an integer from 1 to 5',
    ],
  ])(
    'refuses to start with %s, in one line',
    async (_what, variables, message) => {
      const run = await backfill(variables);
      expect(run).toEqual({ code: 1, stdout: '', stderr: `${message}\n` });
    },
    30_000,
  );

  it('says it cannot reach NATS, and records nothing', async () => {
    await insertOldAccounts('old-a@example.com');
    const port = await findFreePort();

    const run = await backfill({ MONGO_URI: auth.environment.mongo.uri, NATS_URL: `nats://127.0.0.1:${port}` });

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^cannot reach NATS \(NATS_URL\): .+\n$/);
    expect(await auth.outbox.model.countDocuments()).toBe(0);
  }, 30_000);
});
