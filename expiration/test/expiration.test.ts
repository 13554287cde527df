import { createLogger, Subjects } from '@ticketing/common';
import {
  startServiceTestEnvironment,
  waitFor,
  waitForConsumer,
  waitForEvent,
  type ServiceTestEnvironment,
  metricValue,
} from '@ticketing/common/testing';
import type { Counter } from '@ticketing/common';
import request from 'supertest';
import { createApp } from '../src/app';
import type { RunningExpiration } from '../src/start-expiration';
import {
  newOrderId,
  publishOrderCancelled,
  publishOrderCreated,
  startTestExpiration,
  stopExpiration,
  storedAtMs,
  storedExpirations,
} from './helpers';

let env: ServiceTestEnvironment;
let expiration: RunningExpiration;

beforeAll(async () => {
  env = await startServiceTestEnvironment({ redis: true });
  expiration = await startTestExpiration(env);
}, 60_000);

afterAll(async () => {
  await stopExpiration(expiration);
  await env.stop();
});

/** A counter's value in this process. */
async function counterValue(counter: Counter): Promise<number> {
  return (await counter.get()).values[0]?.value ?? 0;
}

function inMs(ms: number): Date {
  return new Date(Date.now() + ms);
}

async function jobState(orderId: string): Promise<string | undefined> {
  const job = await expiration.queue.queue.getJob(orderId);
  return job ? job.getState() : undefined;
}

async function waitForExpiration(orderId: string, timeoutMs = 20_000) {
  return waitForEvent(env.bus, Subjects.ExpirationComplete, { match: (data) => data.orderId === orderId, timeoutMs });
}

it('publishes expiration.complete once the order expires, not before, with an event id fixed per order', async () => {
  const orderId = newOrderId();
  const expiresAt = inMs(2_000);
  await publishOrderCreated(env.bus, orderId, expiresAt);

  const { msg } = await waitForExpiration(orderId);
  expect(storedAtMs(msg)).toBeGreaterThanOrEqual(expiresAt.getTime());
  expect(msg.headers?.get('Nats-Msg-Id')).toBe(`expiration.complete:${orderId}`);
  await waitFor(async () => (await jobState(orderId)) === 'completed', { description: 'the job to complete' });
});

it('fires at once for an order whose expiresAt is already past', async () => {
  const orderId = newOrderId();
  await publishOrderCreated(env.bus, orderId, inMs(-60_000));
  await waitForExpiration(orderId, 10_000);
});

it('schedules once for a duplicate order.created, and not again when it is redelivered after firing', async () => {
  const orderId = newOrderId();
  const expiresAt = inMs(1_500);
  const firedBefore = await counterValue(expiration.metrics.jobsFired);
  await publishOrderCreated(env.bus, orderId, expiresAt);
  await publishOrderCreated(env.bus, orderId, expiresAt);
  await waitForConsumer(env.bus, 'expiration-order-created');

  await waitForExpiration(orderId);
  await waitFor(async () => (await jobState(orderId)) === 'completed', { description: 'the job to complete' });
  const firedAt = (await expiration.queue.queue.getJob(orderId))!.finishedOn;

  await publishOrderCreated(env.bus, orderId, expiresAt);
  await waitForConsumer(env.bus, 'expiration-order-created');
  expect(await jobState(orderId)).toBe('completed');
  expect((await expiration.queue.queue.getJob(orderId))!.finishedOn).toBe(firedAt);
  expect(await expiration.queue.counts()).toMatchObject({ waiting: 0, delayed: 0, active: 0 });
  expect((await counterValue(expiration.metrics.jobsFired)) - firedBefore).toBe(1);
  expect(await storedExpirations(env.bus, orderId)).toBe(1);
});

it('removes the pending expiration of a cancelled order, also when order.cancelled comes first', async () => {
  const cancelledOrderId = newOrderId();
  await publishOrderCreated(env.bus, cancelledOrderId, inMs(2_000));
  await waitFor(async () => (await jobState(cancelledOrderId)) === 'delayed', {
    description: 'the job to be scheduled',
  });
  await publishOrderCancelled(env.bus, cancelledOrderId);
  await waitFor(async () => (await jobState(cancelledOrderId)) === undefined, { description: 'the job to be removed' });

  // Events of different subjects have separate consumers, so a cancellation can be handled first.
  const cancelledFirstOrderId = newOrderId();
  await publishOrderCancelled(env.bus, cancelledFirstOrderId);
  await publishOrderCreated(env.bus, cancelledFirstOrderId, inMs(1_000));
  await waitForConsumer(env.bus, 'expiration-order-created');
  expect(await jobState(cancelledFirstOrderId)).toBeUndefined();

  // Delayed jobs fire in time order: once this later one fired, the cancelled ones would have too.
  const laterOrderId = newOrderId();
  await publishOrderCreated(env.bus, laterOrderId, inMs(2_500));
  await waitForExpiration(laterOrderId);
  expect(await storedExpirations(env.bus, cancelledOrderId)).toBe(0);
  expect(await storedExpirations(env.bus, cancelledFirstOrderId)).toBe(0);
});

it('still fires when the service restarts before the deadline', async () => {
  const orderId = newOrderId();
  const expiresAt = inMs(3_000);
  await publishOrderCreated(env.bus, orderId, expiresAt);
  await waitFor(async () => (await jobState(orderId)) === 'delayed', { description: 'the job to be scheduled' });

  await stopExpiration(expiration);
  expiration = await startTestExpiration(env);
  expect(Date.now()).toBeLessThan(expiresAt.getTime());

  const { msg } = await waitForExpiration(orderId);
  expect(storedAtMs(msg)).toBeGreaterThanOrEqual(expiresAt.getTime());
  await waitFor(async () => (await counterValue(expiration.metrics.jobsFired)) === 1, {
    description: 'the restarted worker to fire the job',
  });
});

it('delivers the expiration once NATS is back when NATS is down at fire time', async () => {
  const orderId = newOrderId();
  const expiresAt = inMs(1_500);
  const failuresBefore = await counterValue(expiration.metrics.publishFailures);
  await publishOrderCreated(env.bus, orderId, expiresAt);
  await waitFor(async () => (await jobState(orderId)) === 'delayed', { description: 'the job to be scheduled' });

  await env.nats.kill();
  await waitFor(async () => ((await expiration.queue.queue.getJob(orderId))?.attemptsMade ?? 0) >= 1, {
    timeoutMs: 20_000,
    description: 'the job to fail while NATS is down',
  });
  expect(await jobState(orderId)).not.toBe('completed');
  expect(await counterValue(expiration.metrics.publishFailures)).toBeGreaterThan(failuresBefore);
  await env.nats.restart();

  const { msg } = await waitForExpiration(orderId, 30_000);
  expect(storedAtMs(msg)).toBeGreaterThanOrEqual(expiresAt.getTime());
  await waitFor(async () => (await jobState(orderId)) === 'completed', { description: 'the job to complete' });
  expect(await storedExpirations(env.bus, orderId)).toBe(1);
}, 60_000);

describe('the app', () => {
  const app = () =>
    createApp({
      logger: createLogger('expiration'),
      readinessChecks: { redis: () => expiration.redis.status === 'ready', nats: () => env.bus.isConnected() },
      metrics: expiration.serviceMetrics,
    });

  it('is ready with Redis and NATS up', async () => {
    const res = await request(app()).get('/readyz').expect(200);
    expect(res.body.checks).toEqual({ redis: 'ok', nats: 'ok' });
  });

  it('serves queue counts, counters and lateness in the Prometheus text format, labelled with the service', async () => {
    const orderId = newOrderId();
    const before = (await request(app()).get('/metrics').expect(200)).text;
    const expiresAt = inMs(-1_000);
    await publishOrderCreated(env.bus, orderId, expiresAt);
    await waitForExpiration(orderId);
    const firedBy = Date.now();
    await waitFor(async () => (await jobState(orderId)) === 'completed', { description: 'the job to complete' });

    const res = await request(app()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    const counts = await expiration.queue.counts();
    expect(counts.completed).toBeGreaterThan(0);
    for (const state of ['waiting', 'delayed', 'active', 'completed', 'failed'] as const) {
      expect(metricValue(text, 'expiration_queue_jobs', { service: 'expiration', state })).toBe(counts[state]);
    }
    const fired = (labels: Record<string, string>, scraped: string) =>
      metricValue(scraped, 'expiration_jobs_fired_total', labels) ?? 0;
    expect(fired({ service: 'expiration' }, text)).toBe(fired({}, before) + 1);
    expect(metricValue(text, 'expiration_publish_failures_total', { service: 'expiration' })).toBe(
      await counterValue(expiration.metrics.publishFailures),
    );
    // One more lateness observed: this order's, at least the second it was already past, and at most
    // that plus the time it took to fire.
    const lateness = (name: string, scraped: string) =>
      metricValue(scraped, `expiration_lateness_seconds_${name}`, { service: 'expiration' }) ?? 0;
    expect(lateness('count', text)).toBe(lateness('count', before) + 1);
    const observed = lateness('sum', text) - lateness('sum', before);
    expect(observed).toBeGreaterThanOrEqual(1);
    // (a millisecond more for the sums' floating point)
    expect(observed).toBeLessThanOrEqual((firedBy - expiresAt.getTime() + 1) / 1000);
    expect(metricValue(text, 'expiration_lateness_seconds_bucket', { le: '0.1' })).toBe(
      metricValue(before, 'expiration_lateness_seconds_bucket', { le: '0.1' }) ?? 0,
    );
    // The service's common metrics too: its listeners' consumers and Node's.
    expect(metricValue(text, 'jetstream_consumer_pending_messages', { consumer: 'expiration-order-created' })).toBe(0);
    expect(metricValue(text, 'process_resident_memory_bytes', { service: 'expiration' })).toBeGreaterThan(0);
  });

  it('leaves the queue counts out of a scrape when Redis does not answer, and still serves the rest', async () => {
    const counts = jest.spyOn(expiration.queue, 'counts').mockRejectedValue(new Error('Redis is down'));
    try {
      const res = await request(app()).get('/metrics').expect(200);
      expect(metricValue(res.text, 'expiration_queue_jobs')).toBeUndefined();
      expect(metricValue(res.text, 'expiration_jobs_fired_total')).toBeDefined();
      expect(counts).toHaveBeenCalled();
    } finally {
      counts.mockRestore();
    }
  });

  it('has no API routes', async () => {
    await request(app()).get('/api/expiration').expect(404);
  });
});
