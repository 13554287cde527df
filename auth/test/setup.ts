import { scryptSync } from 'node:crypto';
import { createLogger, EVENT_STREAM, Outbox, Subjects, type Bus, type EventData } from '@ticketing/common';
import { startServiceTestEnvironment, TEST_JWT_KEYS, type ServiceTestEnvironment } from '@ticketing/common/testing';
import type { Express } from 'express';
import mongoose from 'mongoose';
import request, { type Response } from 'supertest';
import { createApp, type AuthAppOptions } from '../src/app';
import { AttemptCounter } from '../src/models/throttle';
import { User } from '../src/models/user';

export const PASSWORD = 'correct horse battery';

/**
 * The auth app as the tests build it: TEST_JWT_KEYS, a silent logger, roomy throttle limits and an
 * outbox without a bus (events stay recorded, unpublished) unless overridden.
 */
export function buildApp(overrides: Partial<AuthAppOptions> = {}): Express {
  const logger = createLogger('auth', { level: 'silent' });
  return createApp({
    logger,
    outbox: new Outbox({ connection: mongoose.connection, logger }),
    jwtPrivateKey: TEST_JWT_KEYS.privateKey,
    jwtPublicKeys: TEST_JWT_KEYS.publicKeys,
    jwtExpiresIn: 24 * 60 * 60,
    ...overrides,
    signinThrottle: {
      maxFailuresPerEmailAndClient: 100,
      maxFailuresPerClient: 100,
      maxFailuresPerEmail: 100,
      windowSeconds: 900,
      ...overrides.signinThrottle,
    },
    signupThrottle: { maxPerClient: 100, windowSeconds: 900, ...overrides.signupThrottle },
  });
}

/** What useTestEnvironment started, once its beforeAll has run. */
export interface AuthTestEnvironment {
  environment: ServiceTestEnvironment;
  /** An outbox publishing to the environment's NATS, for the tests of auth's events. */
  outbox: Outbox;
}

/**
 * MongoDB and NATS for this test file, with the indexes built, and the data and the event stream
 * cleared before each test.
 */
export function useTestEnvironment(): AuthTestEnvironment {
  const handle = {} as AuthTestEnvironment;
  beforeAll(async () => {
    handle.environment = await startServiceTestEnvironment();
    await Promise.all([User.init(), AttemptCounter.init()]);
    const logger = createLogger('auth-test', { level: 'silent' });
    handle.outbox = new Outbox({ connection: mongoose.connection, bus: handle.environment.bus, logger });
    await handle.outbox.model.createCollection();
  });
  beforeEach(async () => {
    await handle.environment.clearDatabase();
    await (await handle.environment.bus.jetstreamManager()).streams.purge(EVENT_STREAM);
  });
  afterAll(async () => {
    await handle.environment?.stop();
  });
  return handle;
}

export function signup(app: Express, email: string, password = PASSWORD, clientAddress?: string) {
  const req = request(app).post('/api/users/signup');
  if (clientAddress) req.set('X-Forwarded-For', clientAddress);
  return req.send({ email, password });
}

export function signin(app: Express, email: string, password = PASSWORD, clientAddress?: string) {
  const req = request(app).post('/api/users/signin');
  if (clientAddress) req.set('X-Forwarded-For', clientAddress);
  return req.send({ email, password });
}

/** The Set-Cookie header lines of a response. */
export function setCookies(response: Response): string[] {
  const header = response.headers['set-cookie'] as unknown as string[] | undefined;
  return header ?? [];
}

/** The `session` cookie a response sets, as `name=value` ready to send back. */
export function sessionCookieFrom(response: Response): string {
  const cookie = setCookies(response).find((line) => line.startsWith('session='));
  if (!cookie) throw new Error(`no session cookie in ${JSON.stringify(response.headers)}`);
  return cookie.split(';')[0];
}

/** The JWT inside a `session=...` cookie. */
export function jwtIn(cookie: string): string {
  const session = JSON.parse(Buffer.from(cookie.slice('session='.length), 'base64').toString('utf8')) as {
    jwt: string;
  };
  return session.jwt;
}

/** A hash as auth stored them before argon2: scrypt N = 2^15, r = 8, p = 1. */
export function scryptHash(password: string, cost = 2 ** 15): string {
  const salt = Buffer.from('0123456789abcdef');
  const key = scryptSync(password, salt, 64, { N: cost, r: 8, p: 1, maxmem: 2 * 128 * cost * 8 });
  return `scrypt$${cost}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

export interface StoredUserCreated {
  data: EventData<Subjects.UserCreated>;
  /** Its Nats-Msg-Id: the outbox record's id. */
  eventId: string | undefined;
}

/** Every user.created the event stream holds, oldest first. */
export async function userCreatedEvents(bus: Bus): Promise<StoredUserCreated[]> {
  const jsm = await bus.jetstreamManager();
  const info = await jsm.streams.info(EVENT_STREAM, { subjects_filter: Subjects.UserCreated });
  const count = info.state.subjects?.[Subjects.UserCreated] ?? 0;
  const events: StoredUserCreated[] = [];
  if (count === 0) return events;
  const consumer = await bus.js.consumers.get(EVENT_STREAM, { filter_subjects: Subjects.UserCreated });
  for (let index = 0; index < count; index++) {
    const msg = await consumer.next({ expires: 5_000 });
    if (!msg) throw new Error(`the stream holds ${count} user.created events, read only ${index}`);
    events.push({ data: msg.json(), eventId: msg.headers?.get('Nats-Msg-Id') });
  }
  return events;
}
