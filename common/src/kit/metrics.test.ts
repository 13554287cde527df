import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import mongoose, { type Connection } from 'mongoose';
import request from 'supertest';
import { NotFoundError } from '../errors/not-found-error';
import { connectBus, DEAD_LETTER_STREAM, EVENT_STREAM, type Bus } from '../events/bus';
import { EventTooEarlyError } from '../events/errors';
import { Listener } from '../events/listener';
import { Outbox } from '../events/outbox';
import { publishEventPayload, Publisher } from '../events/publisher';
import type { TicketCreatedEvent, TicketUpdatedEvent } from '../events/schemas';
import { Subjects, TicketStatus } from '../events/subjects';
import { createMemoryLogger } from '../testing/memory-logger';
import { metricSamples, metricValue } from '../testing/metrics';
import { startTestMongo, type TestMongo } from '../testing/mongo';
import { startNatsServer, type TestNatsServer } from '../testing/nats-server';
import { waitFor, waitForConsumer } from '../testing/wait';
import { createLogger } from './logger';
import { ServiceMetrics } from './metrics';
import { createServiceApp } from './service-app';

const objectId = () => randomBytes(12).toString('hex');
const ticket = (title: string) => ({
  id: objectId(),
  version: 0,
  title,
  price: 10,
  userId: objectId(),
  status: TicketStatus.Available,
});

function widgetsApp(metrics?: ServiceMetrics) {
  const router = Router();
  router.post('/api/widgets', (_req, res) => {
    res.status(201).json({ id: 'w1' });
  });
  router.get('/api/widgets/:id', () => {
    throw new NotFoundError();
  });
  router.get('/api/crash', () => {
    throw new Error('boom');
  });
  router.get('/api/widgets/:id/events', (_req, res) => {
    res.status(200).set({ 'Content-Type': 'text/event-stream' });
    res.end('event: widget\ndata: {}\n\n');
  });
  return createServiceApp({ logger: createLogger('widgets', { level: 'silent' }), routers: [router], metrics });
}

async function scrape(app: ReturnType<typeof widgetsApp>): Promise<string> {
  const res = await request(app).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text;
}

const httpCount = (text: string, labels: Record<string, string>) =>
  metricValue(text, 'http_request_duration_seconds_count', labels);

describe('HTTP metrics', () => {
  it('times each response under its route template and status, in seconds, with the service label', async () => {
    const app = widgetsApp();
    await request(app).post('/api/widgets').send({}).expect(201);
    await request(app).post('/api/widgets').send({}).expect(201);
    await request(app).get('/api/widgets/abc').expect(404);
    await request(app).get('/api/crash').expect(500);
    await request(app).get('/no/such/route').expect(404);

    const text = await scrape(app);
    const created = { service: 'widgets', method: 'POST', route: '/api/widgets', status_code: '201' };
    expect(httpCount(text, created)).toBe(2);
    // Every request is within the last bucket, and buckets are cumulative.
    expect(metricValue(text, 'http_request_duration_seconds_bucket', { ...created, le: '10' })).toBe(2);
    expect(metricValue(text, 'http_request_duration_seconds_bucket', { ...created, le: '+Inf' })).toBe(2);
    const sum = metricValue(text, 'http_request_duration_seconds_sum', created)!;
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(10);
    expect(
      metricSamples(text, 'http_request_duration_seconds_bucket', created).map((sample) => sample.labels.le),
    ).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    // A route that matched answers under its template, not the path asked for.
    expect(httpCount(text, { method: 'GET', route: '/api/widgets/:id', status_code: '404' })).toBe(1);
    expect(httpCount(text, { route: '/api/widgets/abc' })).toBeUndefined();
    expect(httpCount(text, { method: 'GET', route: '/api/crash', status_code: '500' })).toBe(1);
    expect(httpCount(text, { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(httpCount(text, { route: '/no/such/route' })).toBeUndefined();
  });

  it("leaves out a stream of server-sent events, whose duration is the stream's life, not a latency", async () => {
    const app = widgetsApp();
    await request(app)
      .get('/api/widgets/w1/events')
      .expect(200)
      .expect('content-type', /^text\/event-stream/);
    await request(app).get('/api/widgets/w1').expect(404);
    const text = await scrape(app);
    expect(httpCount(text, { route: '/api/widgets/:id/events' })).toBeUndefined();
    expect(httpCount(text, { route: '/api/widgets/:id' })).toBe(1);
  });

  it('serves prom-client Node process metrics, every series labelled with the service', async () => {
    const text = await scrape(widgetsApp());
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) {
      expect(metricValue(text, name, { service: 'widgets' })).toBeGreaterThan(0);
    }
    expect(metricValue(text, 'nodejs_eventloop_lag_seconds', { service: 'widgets' })).toBeDefined();
    const samples = metricSamples(text, 'process_cpu_seconds_total');
    expect(samples.every((sample) => sample.labels.service === 'widgets')).toBe(true);
  });

  it('keeps the counts of two apps in one process apart, and uses the metrics it is given', async () => {
    const given = new ServiceMetrics({ service: 'gadgets', defaultMetrics: false });
    const first = widgetsApp();
    const second = widgetsApp(given);
    await request(first).post('/api/widgets').send({}).expect(201);

    expect(httpCount(await scrape(first), { route: '/api/widgets' })).toBe(1);
    const secondText = await scrape(second);
    expect(httpCount(secondText, { route: '/api/widgets' })).toBeUndefined();
    // The first scrape of the second app is itself counted once it has been answered.
    expect(httpCount(await scrape(second), { service: 'gadgets', route: '/metrics', status_code: '200' })).toBe(1);
    expect(secondText).not.toContain('service="widgets"');
  });
});

class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
}

class TicketUpdatedPublisher extends Publisher<TicketUpdatedEvent> {
  readonly subject = Subjects.TicketUpdated;
}

/** What it does with a ticket depends on its title: ok, early (too early once), broken (always fails). */
class OutcomeListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
  private readonly seenEarly = new Set<string>();

  constructor(bus: Bus) {
    super(bus, { serviceName: 'metrics', maxDeliveries: 2, retryDelayMs: 20, maxRetryDelayMs: 50 });
  }

  async onMessage(data: TicketCreatedEvent['data']): Promise<void> {
    if (data.title === 'broken') throw new Error('database unavailable');
    if (data.title === 'early' && !this.seenEarly.has(data.id)) {
      this.seenEarly.add(data.id);
      throw new EventTooEarlyError();
    }
  }
}

/** Fails each event's first delivery, then holds the second until released. */
class HoldingListener extends Listener<TicketUpdatedEvent> {
  readonly subject = Subjects.TicketUpdated;
  readonly failed = new Set<string>();
  holding = 0;
  private release: (() => void) | undefined;
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));

  constructor(bus: Bus) {
    // One at a time: the messages behind the held one wait in the stream, where the gauges count them as pending.
    super(bus, { serviceName: 'metrics', retryDelayMs: 20, maxRetryDelayMs: 50, concurrency: 1 });
  }

  async onMessage(data: TicketUpdatedEvent['data']): Promise<void> {
    if (!this.failed.has(data.id)) {
      this.failed.add(data.id);
      throw new Error('not yet');
    }
    this.holding += 1;
    await this.released;
  }

  releaseAll(): void {
    this.release?.();
  }
}

describe('event metrics', () => {
  let nats: TestNatsServer;
  let bus: Bus;
  let metrics: ServiceMetrics;
  let app: ReturnType<typeof widgetsApp>;
  const listeners: Listener<TicketCreatedEvent | TicketUpdatedEvent>[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    bus = await connectBus({ servers: nats.url, name: 'metrics-test', logger: createMemoryLogger() });
    await bus.ensureStream();
    metrics = new ServiceMetrics({ service: 'widgets', defaultMetrics: false });
    metrics.watchBus(bus);
    app = widgetsApp(metrics);
  });

  afterEach(async () => {
    for (const listener of listeners.splice(0)) await listener.stop();
    const jsm = await bus.jetstreamManager();
    await jsm.streams.purge(EVENT_STREAM);
    await jsm.streams.purge(DEAD_LETTER_STREAM);
  });

  afterAll(async () => {
    await bus?.close();
    await nats?.stop();
  });

  const consumed = (text: string, subject: string, outcome: string) =>
    metricValue(text, 'events_consumed_total', { service: 'widgets', subject, outcome });

  it('counts publishes by subject and outcome', async () => {
    const publisher = new TicketCreatedPublisher(bus);
    await publisher.publish(ticket('a'));
    await publisher.publish(ticket('b'));
    // No stream holds this subject: the publish finds no one to acknowledge it.
    await expect(publishEventPayload(bus, 'nowhere.created', {}, objectId())).rejects.toThrow();

    const text = await scrape(app);
    const published = { service: 'widgets', subject: 'ticket.created', outcome: 'published' };
    expect(metricValue(text, 'events_published_total', published)).toBe(2);
    expect(metricValue(text, 'events_published_total', { subject: 'nowhere.created', outcome: 'failed' })).toBe(1);
  });

  it('counts deliveries acked, too early, retried and dead-lettered, and times the handler', async () => {
    const listener = new OutcomeListener(bus);
    listeners.push(listener);
    await listener.listen();
    const publisher = new TicketCreatedPublisher(bus);
    await publisher.publish(ticket('ok'));
    await publisher.publish(ticket('early'));
    await publisher.publish(ticket('broken'));
    const subject = 'ticket.created';
    await waitFor(async () => consumed(await scrape(app), subject, 'dead_lettered') === 1);
    await waitForConsumer(bus, listener.durableName);

    const text = await scrape(app);
    // ok and early (at its second delivery) acked; early too early once; broken failed once, then
    // dead-lettered at its second delivery (maxDeliveries 2).
    expect(consumed(text, subject, 'acked')).toBe(2);
    expect(consumed(text, subject, 'too_early')).toBe(1);
    expect(consumed(text, subject, 'retried')).toBe(1);
    expect(consumed(text, subject, 'dead_lettered')).toBe(1);
    const jsm = await bus.jetstreamManager();
    expect((await jsm.streams.info(DEAD_LETTER_STREAM)).state.messages).toBe(1);
    // Every run of the handler is timed, whatever its outcome: five runs.
    expect(metricValue(text, 'event_handler_duration_seconds_count', { service: 'widgets', subject })).toBe(5);
    expect(metricValue(text, 'event_handler_duration_seconds_bucket', { subject, le: '5' })).toBe(5);
    expect(metricValue(text, 'event_handler_duration_seconds_bucket', { subject, le: '0.001' })).toBeLessThanOrEqual(5);
  });

  it('counts a malformed message as dead-lettered without running the handler', async () => {
    const listener = new OutcomeListener(bus);
    listeners.push(listener);
    await listener.listen();
    const before = await scrape(app);
    await bus.js.publish(Subjects.TicketCreated, '{"not":"a ticket"}');
    await waitForConsumer(bus, listener.durableName);

    const text = await scrape(app);
    const subject = 'ticket.created';
    expect(consumed(text, subject, 'dead_lettered')).toBe((consumed(before, subject, 'dead_lettered') ?? 0) + 1);
    expect(metricValue(text, 'event_handler_duration_seconds_count', { subject })).toBe(
      metricValue(before, 'event_handler_duration_seconds_count', { subject }),
    );
  });

  it("reports each listener's durable consumer: pending, awaiting ack and redelivered messages", async () => {
    const listener = new HoldingListener(bus);
    listeners.push(listener);
    await listener.listen();
    const consumer = listener.durableName;
    const publisher = new TicketUpdatedPublisher(bus);
    await publisher.publish(ticket('first'));
    // Failed once, redelivered, and now held: one message awaiting its ack, delivered twice.
    await waitFor(() => listener.holding === 1, { description: 'the first event to be held' });
    await publisher.publish(ticket('second'));
    await publisher.publish(ticket('third'));

    const gauge = (text: string, name: string) => metricValue(text, name, { service: 'widgets', consumer });
    // The three messages are either waiting in the stream or delivered and not yet acknowledged.
    const text = await waitFor(async () => {
      const scraped = await scrape(app);
      const pending = gauge(scraped, 'jetstream_consumer_pending_messages');
      const ackPending = gauge(scraped, 'jetstream_consumer_ack_pending_messages');
      return pending !== undefined && ackPending !== undefined && pending + ackPending === 3 ? scraped : undefined;
    });
    const info = await (await bus.jetstreamManager()).consumers.info(EVENT_STREAM, consumer);
    expect(gauge(text, 'jetstream_consumer_pending_messages')).toBe(info.num_pending);
    expect(gauge(text, 'jetstream_consumer_pending_messages')).toBeGreaterThanOrEqual(1);
    expect(gauge(text, 'jetstream_consumer_ack_pending_messages')).toBe(info.num_ack_pending);
    expect(gauge(text, 'jetstream_consumer_redelivered_messages')).toBe(1);
    expect(consumed(text, 'ticket.updated', 'retried')).toBe(1);

    listener.releaseAll();
    await waitForConsumer(bus, consumer);
    const after = await scrape(app);
    expect(gauge(after, 'jetstream_consumer_pending_messages')).toBe(0);
    expect(gauge(after, 'jetstream_consumer_ack_pending_messages')).toBe(0);
    expect(gauge(after, 'jetstream_consumer_redelivered_messages')).toBe(0);
  });

  it('reports no consumer for a listener that stopped', async () => {
    const listener = new OutcomeListener(bus);
    await listener.listen();
    expect(
      metricValue(await scrape(app), 'jetstream_consumer_pending_messages', { consumer: listener.durableName }),
    ).toBe(0);
    await listener.stop();
    const text = await scrape(app);
    expect(
      metricValue(text, 'jetstream_consumer_pending_messages', { consumer: listener.durableName }),
    ).toBeUndefined();
  });
});

describe('outbox metrics', () => {
  let mongo: TestMongo;
  let nats: TestNatsServer;
  let connection: Connection;
  let bus: Bus;

  beforeAll(async () => {
    [mongo, nats] = await Promise.all([startTestMongo(), startNatsServer()]);
    connection = await mongoose.createConnection(mongo.uri).asPromise();
    bus = await connectBus({ servers: nats.url, name: 'outbox-metrics-test', logger: createMemoryLogger() });
    await bus.ensureStream();
  });

  afterAll(async () => {
    await connection?.close();
    await bus?.close();
    await Promise.all([mongo?.stop(), nats?.stop()]);
  });

  it('reports the records not yet published and the age of the oldest, 0 once all are published', async () => {
    // Without a bus the outbox leaves every event to the relay: here, to publishPending below.
    const outbox = new Outbox({ connection, logger: createMemoryLogger() });
    const metrics = new ServiceMetrics({ service: 'widgets', defaultMetrics: false });
    metrics.watchOutbox(outbox);
    metrics.watchBus(bus);
    const app = widgetsApp(metrics);

    // An instance without an outbox (expiration) exports no outbox series rather than a made-up 0.
    expect(metricValue(await scrape(widgetsApp()), 'outbox_pending_records')).toBeUndefined();
    const empty = await scrape(app);
    expect(metricValue(empty, 'outbox_pending_records', { service: 'widgets' })).toBe(0);
    expect(metricValue(empty, 'outbox_oldest_pending_age_seconds', { service: 'widgets' })).toBe(0);

    const createdAt = Date.now();
    await outbox.transaction(async (_session, record) => {
      record(Subjects.TicketCreated, ticket('one'));
      record(Subjects.TicketCreated, ticket('two'));
    });
    // The oldest record's age grows while it waits.
    const text = await waitFor(async () => {
      const scraped = await scrape(app);
      return metricValue(scraped, 'outbox_oldest_pending_age_seconds')! > 0 ? scraped : undefined;
    });
    expect(metricValue(text, 'outbox_pending_records')).toBe(2);
    expect(metricValue(text, 'outbox_oldest_pending_age_seconds')).toBeLessThanOrEqual((Date.now() - createdAt) / 1000);

    expect(await outbox.publishPending(bus, 10)).toBe(2);
    const published = await scrape(app);
    expect(metricValue(published, 'outbox_pending_records')).toBe(0);
    expect(metricValue(published, 'outbox_oldest_pending_age_seconds')).toBe(0);
    expect(metricValue(published, 'events_published_total', { outcome: 'published' })).toBe(2);
  });
});
