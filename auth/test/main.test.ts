// auth as main.ts runs it (runService): sign-up's user.created goes out through the service's outbox,
// and its relay publishes what was committed while NATS was down.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { privateJwk, publicJwks, Subjects } from '@ticketing/common';
import {
  findFreePort,
  startServiceTestEnvironment,
  TEST_JWT_KEYS,
  waitFor,
  waitForEvent,
  type ServiceTestEnvironment,
} from '@ticketing/common/testing';
import mongoose from 'mongoose';
import { User } from '../src/models/user';
import { PASSWORD, userCreatedEvents } from './setup';

const repositoryRoot = path.join(__dirname, '..', '..');
const main = path.join(__dirname, '..', 'src', 'main.ts');

let env: ServiceTestEnvironment;

beforeAll(async () => {
  env = await startServiceTestEnvironment();
  await User.init();
});

afterAll(async () => {
  await env?.stop();
});

function runMain(port: number): { child: ChildProcessWithoutNullStreams; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', main], {
    cwd: repositoryRoot,
    // The base config maps @ticketing/common to its sources, as jest does.
    env: {
      PATH: process.env.PATH,
      SWC_NODE_PROJECT: 'tsconfig.base.json',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      PUBLIC_ORIGIN: 'https://tickets.example.com',
      MONGO_URI: env.mongo.uri,
      NATS_URL: env.nats.url,
      JWT_PRIVATE_KEY: JSON.stringify(privateJwk(TEST_JWT_KEYS.privateKey)),
      JWT_PUBLIC_KEYS: JSON.stringify(publicJwks(TEST_JWT_KEYS.publicKeys)),
    },
  });
  child.stdout.resume();
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited };
}

async function signupAt(base: string, email: string): Promise<{ id: string; email: string }> {
  const response = await fetch(`${base}/api/users/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; email: string };
}

it('publishes user.created on sign-up, and after a NATS outage through its outbox relay', async () => {
  const port = await findFreePort();
  const service = runMain(port);
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, {
      timeoutMs: 20_000,
      description: 'auth to be ready',
    });

    const alice = await signupAt(base, 'alice@example.com');
    const { data } = await waitForEvent(env.bus, Subjects.UserCreated, { match: (event) => event.id === alice.id });
    expect(data).toEqual({ id: alice.id, email: 'alice@example.com', createdAt: expect.any(String) });

    await env.nats.kill();
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 503, { description: 'auth to see NATS down' });
    const bob = await signupAt(base, 'bob@example.com');
    const outbox = mongoose.connection.collection('outbox');
    expect(await outbox.findOne({ 'data.id': bob.id })).toMatchObject({ publishedAt: null });

    await env.nats.restart();
    const relayed = await waitForEvent(env.bus, Subjects.UserCreated, {
      match: (event) => event.id === bob.id,
      timeoutMs: 20_000,
    });
    expect(relayed.data).toMatchObject({ id: bob.id, email: 'bob@example.com' });
    expect((await userCreatedEvents(env.bus)).map((event) => event.data.id)).toEqual([alice.id, bob.id]);

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  } finally {
    service.child.kill('SIGKILL');
  }
}, 60_000);
