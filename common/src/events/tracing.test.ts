// Traces through events on a real nats-server and MongoDB (engine): the publisher's traceparent in the
// NATS headers, the listener's CONSUMER span under it, and an outbox record relayed later (by a relay
// started after the request ended) continuing the trace it was recorded in.
import { context, SpanKind, trace } from '@opentelemetry/api';
import mongoose, { type Connection } from 'mongoose';
import { annotateLogs } from '../kit/trace-context';
import { captureLogs, type CapturedLogs } from '../testing/log-capture';
import { startTestMongo, type TestMongo } from '../testing/mongo';
import { startNatsServer, type TestNatsServer } from '../testing/nats-server';
import { parentSpanIdOf, startTestTracing, type ReadableSpan, type TestTracing } from '../testing/tracing';
import { waitFor } from '../testing/wait';
import { connectBus, type Bus } from './bus';
import { Listener } from './listener';
import { Outbox, OutboxRelay } from './outbox';
import { Publisher } from './publisher';
import type { EventData, OrderCreatedEvent } from './schemas';
import { OrderStatus, Subjects } from './subjects';

const newId = () => new mongoose.Types.ObjectId().toHexString();

function orderCreated(id = newId()): EventData<Subjects.OrderCreated> {
  return {
    id,
    version: 0,
    status: OrderStatus.Created,
    userId: newId(),
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    ticket: { id: newId(), price: 20 },
  };
}

class OrderCreatedPublisher extends Publisher<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
}

interface Handled {
  orderId: string;
  traceId: string;
  spanId: string;
}

/** Fails each order's first delivery (so the listener logs a redelivery), records the second. */
class OrderCreatedTestListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly handled: Handled[] = [];
  private readonly failedOnce = new Set<string>();

  async onMessage(data: OrderCreatedEvent['data']): Promise<void> {
    this.logger.info({}, 'handling order.created');
    if (!this.failedOnce.has(data.id)) {
      this.failedOnce.add(data.id);
      throw new Error('first delivery fails on purpose');
    }
    const { traceId, spanId } = trace.getActiveSpan()!.spanContext();
    this.handled.push({ orderId: data.id, traceId, spanId });
  }
}

let mongo: TestMongo;
let nats: TestNatsServer;
let connection: Connection;
let bus: Bus;
let logs: CapturedLogs;
let tracing: TestTracing;
let listener: OrderCreatedTestListener;

beforeAll(async () => {
  tracing = await startTestTracing();
  [mongo, nats] = await Promise.all([startTestMongo(), startNatsServer()]);
  connection = await mongoose.createConnection(mongo.uri).asPromise();
  logs = captureLogs({ serviceName: 'tracing-test' });
  bus = await connectBus({ servers: nats.url, name: 'tracing-test', logger: logs.logger });
  await bus.ensureStream();
  listener = new OrderCreatedTestListener(bus, { serviceName: 'tracing-test', retryDelayMs: 50, maxRetryDelayMs: 100 });
  await listener.listen();
});

afterAll(async () => {
  await listener.stop();
  await bus.close();
  await connection.close();
  await Promise.all([mongo.stop(), nats.stop()]);
  await tracing.stop();
});

const spansOfTrace = (traceId: string) => tracing.spans().filter((span) => span.spanContext().traceId === traceId);
const named = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);

/** Runs `work` in a span standing for the request that caused it; returns the span's ids. */
async function inRequestSpan(work: () => Promise<unknown>): Promise<{ traceId: string; spanId: string }> {
  const span = trace.getTracer('test').startSpan('POST /api/orders', { kind: SpanKind.SERVER });
  await context.with(trace.setSpan(context.active(), span), work);
  span.end();
  return span.spanContext();
}

/** The consumer spans of `orderId`'s handling, once the listener has handled it. */
async function handlingOf(orderId: string) {
  const handled = await waitFor(() => listener.handled.find((entry) => entry.orderId === orderId), {
    description: `order ${orderId} to be handled`,
  });
  return handled;
}

function expectConnected(request: { traceId: string; spanId: string }, handled: Handled) {
  const spans = spansOfTrace(request.traceId);
  const [publish] = named(spans, 'order.created publish');
  const consumes = named(spans, 'order.created process');
  // The publish under the request, both deliveries (the failed one and the handled one) under the publish.
  expect(publish).toBeDefined();
  expect(publish.kind).toBe(SpanKind.PRODUCER);
  expect(parentSpanIdOf(publish)).toBe(request.spanId);
  expect(consumes).toHaveLength(2);
  for (const consume of consumes) {
    expect(consume.kind).toBe(SpanKind.CONSUMER);
    expect(parentSpanIdOf(consume)).toBe(publish.spanContext().spanId);
    expect(consume.attributes['messaging.consumer.group.name']).toBe('tracing-test-order-created');
  }
  expect(handled.traceId).toBe(request.traceId);
  expect(consumes.map((span) => span.spanContext().spanId)).toContain(handled.spanId);
}

describe('an event published directly', () => {
  it("continues the publisher's trace in the listener, whose log lines carry the trace, the span and the order id", async () => {
    const data = orderCreated();
    const request = await inRequestSpan(() => new OrderCreatedPublisher(bus).publish(data));
    const handled = await handlingOf(data.id);
    expectConnected(request, handled);

    const lines = logs.lines.filter((line) => line.orderId === data.id);
    // The handler's line on each delivery and the listener's own redelivery warning.
    expect(lines.map((line) => line.msg)).toEqual([
      'handling order.created',
      'event handler failed, redelivering later',
      'handling order.created',
    ]);
    const consumeSpanIds = named(spansOfTrace(request.traceId), 'order.created process').map(
      (span) => span.spanContext().spanId,
    );
    for (const line of lines) {
      expect(line.trace_id).toBe(request.traceId);
      expect(consumeSpanIds).toContain(line.span_id);
    }
  });
});

describe('an outbox event', () => {
  it('relayed after the request ended, by a relay started later, continues the trace it was recorded in', async () => {
    // No bus: nothing is published after the commit, as when NATS is down; the relay publishes later.
    const outbox = new Outbox({ connection, logger: logs.logger });
    const data = orderCreated();
    const request = await inRequestSpan(() =>
      outbox.transaction(async (_session, record) => {
        record(Subjects.OrderCreated, data);
      }),
    );
    const stored = await outbox.model.findOne({ 'data.id': data.id }).lean();
    expect(stored?.publishedAt).toBeNull();
    expect(stored?.traceparent).toBe(`00-${request.traceId}-${request.spanId}-01`);

    // Started from no context at all, as runService starts it.
    const relay = context.with(trace.deleteSpan(context.active()), () => {
      const started = new OutboxRelay({ outbox, bus, intervalMs: 50 });
      started.start();
      return started;
    });
    try {
      expectConnected(request, await handlingOf(data.id));
    } finally {
      await relay.stop();
    }
    // The relay's line about it is in the trace too, on the publish's span.
    const [publish] = named(spansOfTrace(request.traceId), 'order.created publish');
    const published = logs.lines.filter(
      (line) => line.msg === 'published event' && line.eventId === stored!._id.toHexString(),
    );
    expect(published).toEqual([
      expect.objectContaining({ trace_id: request.traceId, span_id: publish.spanContext().spanId }),
    ]);
  });

  it('recorded before tracing (no traceparent) is still published, in a trace of its own', async () => {
    const outbox = new Outbox({ connection, logger: logs.logger });
    const data = orderCreated();
    await outbox.model.create({ subject: Subjects.OrderCreated, data, createdAt: new Date(), publishedAt: null });
    const relay = new OutboxRelay({ outbox, bus, intervalMs: 50 });
    relay.start();
    try {
      const handled = await handlingOf(data.id);
      const [publish] = named(spansOfTrace(handled.traceId), 'order.created publish');
      expect(parentSpanIdOf(publish)).toBeUndefined();
    } finally {
      await relay.stop();
    }
  });
});

describe('annotateLogs', () => {
  it('adds to the lines of the request or event being handled only', async () => {
    await inRequestSpan(async () => {
      logs.logger.info({}, 'outside any request');
    });
    annotateLogs({ orderId: 'nowhere' });
    logs.logger.info({}, 'after');
    const [outside, after] = logs.lines.filter((line) => line.msg === 'outside any request' || line.msg === 'after');
    expect(outside.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(outside.orderId).toBeUndefined();
    expect(after).not.toHaveProperty('orderId');
    expect(after).not.toHaveProperty('trace_id');
  });
});
