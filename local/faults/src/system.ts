import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  connectBus,
  EVENT_STREAM,
  listDeadLetters,
  parseJwtPrivateKey,
  type Bus,
  type DeadLetter,
  type JwtPrivateKey,
} from '@ticketing/common';
import { MongoClient } from 'mongodb';
import { databaseUri } from '../../stack/src/services';
import { startStack, type Stack } from '../../stack/src';
import { findViolations, type InvariantOptions, type InvariantSources } from './invariants';
import { ApiUser, TrafficLog } from './traffic';

// The suite reports what it finds itself; the bus's reconnection notices would only be noise.
const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export interface FaultSystemOptions {
  replicas: number;
  reservationSeconds: number;
  /** The orders service's overdue sweep: how often it runs and how long past expiresAt it waits. */
  overdueSweep: { intervalSeconds: number; graceSeconds: number };
  /** How often payments retries refunds that could not be made at once. */
  refundSweepIntervalSeconds: number;
  /** A file whose appearance makes the next service instance that commits an event crash before publishing it. */
  crashAfterCommitTrigger: string;
}

/**
 * The whole system started from code (two replicas of every service by default), plus what the
 * fault suite needs to look inside it: the services' databases, the event and dead-letter streams
 * and the fake Stripe API's charges.
 */
export class FaultSystem {
  /** Published as poison on purpose: their dead letters are expected, not violations. */
  readonly poisonPayloads = new Set<string>();

  private constructor(
    readonly stack: Stack,
    private readonly dataDir: string,
    /** The stack's session signing key: the users of the scenarios are signed in as auth would sign them in. */
    private readonly jwtPrivateKey: JwtPrivateKey,
    private readonly mongo: MongoClient,
    private readonly bus: Bus,
    private readonly options: FaultSystemOptions,
  ) {}

  static async start(options: FaultSystemOptions): Promise<FaultSystem> {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'ticketing-faults-'));
    // Settings no StackOptions names reach the services through the environment, as with `npm start`.
    Object.assign(process.env, {
      EXPIRATION_SWEEP_INTERVAL_SECONDS: String(options.overdueSweep.intervalSeconds),
      EXPIRATION_SWEEP_GRACE_SECONDS: String(options.overdueSweep.graceSeconds),
      REFUND_SWEEP_INTERVAL_SECONDS: String(options.refundSweepIntervalSeconds),
      FAULT_CRASH_AFTER_COMMIT_TRIGGER: options.crashAfterCommitTrigger,
    });
    const stack = await startStack({
      dataDir,
      runMode: 'source',
      replicas: options.replicas,
      expirationWindowSeconds: options.reservationSeconds,
      logLevel: 'warn',
    });
    const mongo = await MongoClient.connect(stack.infrastructure.mongo);
    const bus = await connectBus({ servers: stack.infrastructure.nats, name: 'fault-suite', logger: silentLogger });
    return new FaultSystem(stack, dataDir, parseJwtPrivateKey(stack.jwtKeys.privateKey), mongo, bus, options);
  }

  user(log: TrafficLog): ApiUser {
    return new ApiUser(this.stack.url, this.jwtPrivateKey, log);
  }

  db(service: 'tickets' | 'orders' | 'payments') {
    return this.mongo.db(new URL(databaseUri(this.stack.infrastructure.mongo, service)).pathname.slice(1));
  }

  /** How many events the stream has stored since it was (last) created. */
  async eventCount(): Promise<number> {
    const jsm = await this.bus.jetstreamManager();
    return (await jsm.streams.info(EVENT_STREAM)).state.last_seq;
  }

  /** Every dead letter; none while NATS, back without its store, has no dead-letter stream yet. */
  async deadLetters(): Promise<DeadLetter[]> {
    return listDeadLetters(this.bus).catch(() => []);
  }

  /** Publishes a raw payload on the event stream, as a misbehaving or replaying publisher would. */
  async publishRaw(subject: string, payload: string, eventId: string): Promise<void> {
    await this.bus.js.publish(subject, payload, { msgID: eventId });
  }

  /** The stored events of the stream from `fromSequence` on, as published. */
  async storedEvents(fromSequence: number): Promise<{ subject: string; payload: string }[]> {
    const jsm = await this.bus.jetstreamManager();
    const { state } = await jsm.streams.info(EVENT_STREAM);
    const events: { subject: string; payload: string }[] = [];
    for (let sequence = Math.max(fromSequence, state.first_seq); sequence <= state.last_seq; sequence++) {
      const message = await jsm.streams.getMessage(EVENT_STREAM, { seq: sequence });
      if (message) events.push({ subject: message.subject, payload: message.string() });
    }
    return events;
  }

  private invariantSources(): InvariantSources {
    return {
      tickets: this.db('tickets'),
      orders: this.db('orders'),
      payments: this.db('payments'),
      charges: () => this.stack.fakeStripe!.api.charges,
      deadLetters: () => this.deadLetters(),
    };
  }

  private invariantOptions(): InvariantOptions {
    const { intervalSeconds, graceSeconds } = this.options.overdueSweep;
    return {
      // A sweep may start just before an order becomes overdue; the next one catches it. Plus a second
      // for the cancellation to be written.
      overdueAllowanceMs: (2 * intervalSeconds + graceSeconds + 1) * 1000,
      poisonPayloads: this.poisonPayloads,
    };
  }

  /**
   * Checks the invariants until none is violated or `timeoutMs` has passed: a system under faults is
   * allowed to be inconsistent for a while (events in flight, redeliveries, sweeps), never for good.
   */
  async converge(timeoutMs: number): Promise<{ violations: string[]; convergedInMs: number }> {
    const started = Date.now();
    for (;;) {
      const violations = await findViolations(this.invariantSources(), this.invariantOptions()).catch(
        (error: Error) => [`the invariants could not be read: ${error.message}`],
      );
      const elapsed = Date.now() - started;
      if (violations.length === 0 || elapsed > timeoutMs) return { violations, convergedInMs: elapsed };
      await delay(500);
    }
  }

  async stop(): Promise<void> {
    await this.bus.close();
    await this.mongo.close().catch(() => undefined);
    await this.stack.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
