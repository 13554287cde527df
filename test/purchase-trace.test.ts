// One trace follows a purchase through the services and their events. tickets, orders, payments and
// expiration run in this process as their main.ts starts them (runService, each in its own module
// registry so each has its own mongoose), on real NATS, Redis, MongoDB (engine) and the fake Stripe
// API, with this process's tracing exporting to memory. Requests carry a traceparent as the gateway
// would send it, so each trace's id and its root's parent are known.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import type { RunningService } from '@ticketing/common';
import {
  findFreePort,
  parentSpanIdOf,
  signin,
  startNatsServer,
  startRedisServer,
  startTestMongo,
  startTestTracing,
  TEST_JWT_KEYS,
  uriWithDatabase,
  waitFor,
  type ReadableSpan,
  type TestMongo,
  type TestNatsServer,
  type TestRedisServer,
  type TestTracing,
} from '@ticketing/common/testing';
import { startFakeStripe, type FakeStripe } from '@ticketing/fake-stripe';

type ServiceName = 'tickets' | 'orders' | 'payments' | 'expiration';

let tracing: TestTracing;
let mongo: TestMongo;
let nats: TestNatsServer;
let redis: TestRedisServer;
let stripe: FakeStripe;
const services = new Map<ServiceName, { url: string; running: RunningService }>();
const savedEnv = { ...process.env };
let exit: jest.SpyInstance;

/** Starts `name` from its main.ts with `env` on top of the shared settings; resolves once it listens. */
async function startService(name: ServiceName, env: Record<string, string>): Promise<void> {
  const port = await findFreePort();
  const { publicJwks } = await import('@ticketing/common');
  Object.assign(process.env, {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    PUBLIC_ORIGIN: 'https://tickets.example.com',
    JWT_PUBLIC_KEYS: JSON.stringify(publicJwks(TEST_JWT_KEYS.publicKeys)),
    NATS_URL: nats.url,
    ...env,
  });
  let started: Promise<RunningService> | undefined;
  // main.ts discards runService's promise: this copy of the common package hands it over.
  jest.doMock('@ticketing/common', () => {
    const actual = jest.requireActual<typeof import('@ticketing/common')>('@ticketing/common');
    return {
      ...actual,
      runService: (options: Parameters<typeof actual.runService>[0]) => (started = actual.runService(options)),
    };
  });
  await jest.isolateModulesAsync(async () => {
    await import(path.join(__dirname, '..', name, 'src', 'main'));
  });
  jest.dontMock('@ticketing/common');
  // runService reads its environment before its first await: the next service may change it.
  const running = await started!;
  services.set(name, { url: `http://127.0.0.1:${port}`, running });
}

beforeAll(async () => {
  // A service that cannot start says so instead of ending the test process; the shutdowns' exit(0) too.
  exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Error(`process.exit(${code})`);
  });
  tracing = await startTestTracing('purchase-test');
  [mongo, nats, redis, stripe] = await Promise.all([
    startTestMongo(),
    startNatsServer(),
    startRedisServer(),
    startFakeStripe({ port: 0, secretKey: 'sk_test_purchase_trace' }),
  ]);
  const database = (name: string) => uriWithDatabase(mongo.uri, `trace_${name}_${randomBytes(4).toString('hex')}`);
  await startService('tickets', { MONGO_URI: database('tickets') });
  await startService('orders', {
    MONGO_URI: database('orders'),
    // Short, so the order left unpaid expires during the test; the orders' own overdue sweep waits longer.
    EXPIRATION_WINDOW_SECONDS: '3',
    EXPIRATION_SWEEP_GRACE_SECONDS: '30',
  });
  await startService('payments', {
    MONGO_URI: database('payments'),
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
    STRIPE_API_HOST: stripe.host,
    STRIPE_API_PORT: String(stripe.port),
    STRIPE_API_PROTOCOL: stripe.protocol,
  });
  await startService('expiration', { REDIS_URL: redis.url });
}, 120_000);

afterAll(async () => {
  for (const name of ['expiration', 'payments', 'orders', 'tickets'] as const) {
    await services
      .get(name)
      ?.running.shutdown('test over')
      .catch(() => undefined);
  }
  await Promise.all([mongo?.stop(), nats?.stop(), redis?.stop(), stripe?.stop()]);
  await tracing?.stop();
  exit.mockRestore();
  process.env = savedEnv;
}, 60_000);

const url = (name: ServiceName, pathname: string) => `${services.get(name)!.url}${pathname}`;

/** A traceparent as the gateway sends it: a new trace, under a gateway hop that has no span. */
function gatewayTraceparent() {
  const traceId = randomBytes(16).toString('hex');
  const gatewaySpanId = randomBytes(8).toString('hex');
  return { traceId, gatewaySpanId, header: `00-${traceId}-${gatewaySpanId}-01` };
}

interface Traced<T> {
  body: T;
  traceId: string;
  gatewaySpanId: string;
}

/**
 * Sends a JSON request through a new trace until it gets `status` (another service may not have
 * handled the event it needs yet); the trace of the request that got it.
 */
async function sendUntil<T>(
  status: number,
  method: string,
  target: string,
  cookie: string[],
  body?: unknown,
): Promise<Traced<T>> {
  return waitFor(
    async () => {
      const trace = gatewayTraceparent();
      const response = await fetch(target, {
        method,
        headers: { 'content-type': 'application/json', cookie: cookie.join('; '), traceparent: trace.header },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (response.status !== status) return undefined;
      return { body: (await response.json()) as T, traceId: trace.traceId, gatewaySpanId: trace.gatewaySpanId };
    },
    { timeoutMs: 20_000, description: `${method} ${target} to answer ${status}` },
  );
}

const spansOf = (traceId: string) => tracing.spans().filter((span) => span.spanContext().traceId === traceId);
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

/** How a span is told apart in this one-process test: its name, and for a consumer the service's durable. */
function labelOf(span: ReadableSpan): string {
  const group = span.attributes['messaging.consumer.group.name'];
  return typeof group === 'string' ? `${span.name} [${group}]` : span.name;
}

/**
 * Waits for the trace to hold every span of `expected` (parent label -> child labels, each child
 * once) and for the whole trace to be connected: every span's parent is a span of the trace, but for
 * the root, whose parent is the gateway's hop. Returns the spans by label.
 */
async function connectedTrace(trace: Traced<unknown>, expected: [parent: string, child: string][]) {
  return waitFor(
    () => {
      const spans = spansOf(trace.traceId);
      const byLabel = new Map<string, ReadableSpan>();
      for (const span of spans) byLabel.set(labelOf(span), span);
      const ids = new Set(spans.map(idOf));
      for (const [parent, child] of expected) {
        const [parentSpan, childSpan] = [byLabel.get(parent), byLabel.get(child)];
        if (!parentSpan || !childSpan) throw new Error(`no span ${parentSpan ? child : parent} yet`);
        expect({ child, parent: parentSpanIdOf(childSpan) }).toEqual({ child, parent: idOf(parentSpan) });
      }
      const roots = spans.filter((span) => !ids.has(parentSpanIdOf(span) ?? ''));
      expect(roots.map((span) => ({ name: span.name, parent: parentSpanIdOf(span) }))).toEqual([
        { name: expect.any(String), parent: trace.gatewaySpanId },
      ]);
      return byLabel;
    },
    { timeoutMs: 30_000, description: `trace ${trace.traceId} to be complete and connected` },
  );
}

interface Ticket {
  id: string;
}
interface Order {
  id: string;
  status: string;
}

describe('a purchase', () => {
  const seller = signin({ id: randomBytes(12).toString('hex') });
  const buyer = signin({ id: randomBytes(12).toString('hex') });

  async function orderATicket(): Promise<Traced<Order>> {
    const ticket = await sendUntil<Ticket>(201, 'POST', url('tickets', '/api/tickets'), seller, {
      title: 'Concert',
      price: 20,
    });
    // 404 until orders has the ticket from ticket.created.
    return sendUntil<Order>(201, 'POST', url('orders', '/api/orders'), buyer, { ticketId: ticket.body.id });
  }

  it('is one trace from the order request through order.created into tickets, payments and expiration, and on through their events', async () => {
    const order = await orderATicket();
    const spans = await connectedTrace(order, [
      ['POST /api/orders', 'order.created publish'],
      ['order.created publish', 'order.created process [tickets-order-created]'],
      ['order.created publish', 'order.created process [payments-order-created]'],
      ['order.created publish', 'order.created process [expiration-order-created]'],
      // tickets reserves the ticket and says so; orders takes the reservation in.
      ['order.created process [tickets-order-created]', 'ticket.updated publish'],
      ['ticket.updated publish', 'ticket.updated process [orders-ticket-updated]'],
    ]);
    expect(spans.get('POST /api/orders')!.kind).toBe(SpanKind.SERVER);
    expect(spans.get('order.created publish')!.kind).toBe(SpanKind.PRODUCER);
    expect(spans.get('order.created process [payments-order-created]')!.kind).toBe(SpanKind.CONSUMER);

    // Paying is a request of its own, and a trace of its own: through payment.created and order.completed.
    const payment = await sendUntil(201, 'POST', url('payments', '/api/payments'), buyer, {
      orderId: order.body.id,
      paymentMethod: 'pm_card_visa',
    });
    await connectedTrace(payment, [
      ['POST /api/payments', 'payment.created publish'],
      ['payment.created publish', 'payment.created process [orders-payment-created]'],
      ['payment.created process [orders-payment-created]', 'order.completed publish'],
      ['order.completed publish', 'order.completed process [tickets-order-completed]'],
    ]);
  }, 60_000);

  it('left unpaid, expires in the same trace: the expiration job and expiration.complete continue it, and the cancellation after', async () => {
    const order = await orderATicket();
    await waitFor(
      async () => {
        const response = await fetch(url('orders', `/api/orders/${order.body.id}`), {
          headers: { cookie: buyer.join('; ') },
        });
        return ((await response.json()) as Order).status === 'cancelled';
      },
      { timeoutMs: 30_000, description: 'the order to expire' },
    );
    await connectedTrace(order, [
      ['POST /api/orders', 'order.created publish'],
      ['order.created publish', 'order.created process [expiration-order-created]'],
      // Scheduled while handling order.created; run seconds later, by the queue's worker.
      ['order.created process [expiration-order-created]', 'expiration job'],
      ['expiration job', 'expiration.complete publish'],
      ['expiration.complete publish', 'expiration.complete process [orders-expiration-complete]'],
      ['expiration.complete process [orders-expiration-complete]', 'order.cancelled publish'],
      ['order.cancelled publish', 'order.cancelled process [tickets-order-cancelled]'],
      ['order.cancelled publish', 'order.cancelled process [payments-order-cancelled]'],
    ]);
  }, 60_000);
});
