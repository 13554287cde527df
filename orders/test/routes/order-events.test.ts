import { get, type ClientRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  connectBus,
  createLogger,
  createShutdown,
  LiveStreams,
  OrderCancelReason,
  OrderStatus,
  Outbox,
  type BackgroundTask,
  type Bus,
} from '@ticketing/common';
import { signin, waitFor } from '@ticketing/common/testing';
import type { Express } from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { Order } from '../../src/models/order';
import { OrderUpdates } from '../../src/order-updates';
import {
  buildApp,
  insertOrder,
  newId,
  orderPaymentOf,
  paymentCreatedData,
  startOrdersTestEnvironment,
  type OrdersTestEnvironment,
} from '../setup';

/** One open GET /api/orders/:id/events, read over a real connection as a browser would. */
interface OrderEventStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything received so far, as sent. */
  text(): string;
  /** The `order` events received so far, their data parsed. */
  orders(): Record<string, unknown>[];
  /** The comment lines received so far (keep-alives). */
  comments: string[];
  ended: Promise<void>;
  request: ClientRequest;
}

const opened: OrderEventStream[] = [];

/** Opens the order's event stream on `server`; resolves once the response's headers are in. */
function openOrderEvents(server: Server, orderId: string, cookie: string[]): Promise<OrderEventStream> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = get(
      { host: '127.0.0.1', port, path: `/api/orders/${orderId}/events`, headers: { Cookie: cookie.join('; ') } },
      (res) => {
        let text = '';
        let unparsed = '';
        const events: { event: string; data: string }[] = [];
        const stream: OrderEventStream = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: () => text,
          orders: () =>
            events.map(({ event, data }) => {
              expect(event).toBe('order');
              return JSON.parse(data) as Record<string, unknown>;
            }),
          comments: [],
          ended: new Promise((resolveEnd) => res.once('end', resolveEnd)),
          request: req,
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          unparsed += chunk;
          // An event ends with a blank line; its lines are `field: value`, or `: comment`.
          for (let end = unparsed.indexOf('\n\n'); end !== -1; end = unparsed.indexOf('\n\n')) {
            const fields = new Map<string, string>();
            for (const line of unparsed.slice(0, end).split('\n')) {
              const colon = line.indexOf(': ');
              if (colon === 0) stream.comments.push(line.slice(2));
              else fields.set(line.slice(0, colon), line.slice(colon + 2));
            }
            unparsed = unparsed.slice(end + 2);
            if (fields.has('data')) events.push({ event: fields.get('event') ?? 'message', data: fields.get('data')! });
          }
        });
        opened.push(stream);
        resolve(stream);
      },
    );
    req.once('error', reject);
  });
}

async function listen(app: Express): Promise<Server> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

let env: OrdersTestEnvironment;
/** Replica A's: only events can reach its streams within a test, its keep-alive being far off. */
const orderUpdates = new OrderUpdates({ keepAliveMs: 60_000 });
/** Replica B, with its own NATS connection, outbox and OrderUpdates. */
let otherBus: Bus;
let otherOutbox: Outbox;
const otherOrderUpdates = new OrderUpdates({ keepAliveMs: 60_000 });
/** A replica whose keep-alives come every 100 ms. */
const tickingOrderUpdates = new OrderUpdates({ keepAliveMs: 100 });
let tasks: BackgroundTask[];
let app: Express;
let server: Server;
let otherApp: Express;
let otherServer: Server;
let tickingServer: Server;

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
  otherBus = await connectBus({ servers: env.nats.url, name: 'orders-replica-b', logger: createLogger('orders-test') });
  otherOutbox = new Outbox({ connection: mongoose.connection, bus: otherBus, logger: createLogger('orders-test') });
  tasks = [orderUpdates.start(env.bus), otherOrderUpdates.start(otherBus), tickingOrderUpdates.start(env.bus)];
  app = buildApp(env.outbox, { orderUpdates });
  otherApp = buildApp(otherOutbox, { orderUpdates: otherOrderUpdates });
  [server, otherServer, tickingServer] = await Promise.all([
    listen(app),
    listen(otherApp),
    listen(buildApp(env.outbox, { orderUpdates: tickingOrderUpdates })),
  ]);
});
beforeEach(() => env.clearDatabase());
afterEach(() => {
  for (const stream of opened.splice(0)) stream.request.destroy();
});
afterAll(async () => {
  await Promise.all([server, otherServer, tickingServer].map(close));
  for (const task of tasks) await task.stop();
  await otherBus.close();
  await env.stop();
});

/** A live order of a new buyer, with the buyer's session. */
async function liveOrder() {
  const userId = newId();
  const order = await insertOrder(OrderStatus.Created, { userId });
  return { order, cookie: signin({ id: userId }) };
}

describe('GET /api/orders/:id/events', () => {
  it('streams the order as GET /api/orders/:id answers it, at once, unbuffered', async () => {
    const { order, cookie } = await liveOrder();

    const stream = await openOrderEvents(server, order.id, cookie);

    expect(stream.status).toBe(200);
    expect(stream.headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    await waitFor(() => stream.orders().length === 1, { description: 'the first event' });
    const shown = await request(app).get(`/api/orders/${order.id}`).set('Cookie', cookie).expect(200);
    expect(stream.text()).toBe(`event: order\ndata: ${shown.text}\n\n`);
  });

  it.each([
    {
      change: 'a cancel through DELETE /api/orders/:id',
      make: (orderId: string, cookie: string[]) =>
        request(otherApp).delete(`/api/orders/${orderId}`).set('Cookie', cookie).expect(204),
      shows: { status: OrderStatus.Cancelled, cancelReason: OrderCancelReason.RequestedByBuyer, version: 1 },
    },
    {
      change: 'an expiration',
      make: (orderId: string) => Order.cancel(otherOutbox, orderId, OrderCancelReason.Expired),
      shows: { status: OrderStatus.Cancelled, cancelReason: OrderCancelReason.Expired, version: 1 },
    },
    {
      change: 'a payment',
      make: (orderId: string) => Order.complete(otherOutbox, orderId, orderPaymentOf(paymentCreatedData(orderId))),
      shows: { status: OrderStatus.Complete, payment: expect.objectContaining({ status: 'succeeded' }), version: 1 },
    },
  ])('sends $change made on another replica within a second, on every replica', async ({ make, shows }) => {
    const { order, cookie } = await liveOrder();
    const streams = await Promise.all([
      openOrderEvents(server, order.id, cookie),
      openOrderEvents(otherServer, order.id, cookie),
    ]);
    await waitFor(() => streams.every((stream) => stream.orders().length === 1), { description: 'the first events' });

    await make(order.id, cookie);

    await waitFor(() => streams.every((stream) => stream.orders().length === 2), {
      timeoutMs: 1000,
      description: 'the change on both replicas’ streams',
    });
    const shown = await request(app).get(`/api/orders/${order.id}`).set('Cookie', cookie).expect(200);
    expect(shown.body).toMatchObject(shows);
    for (const stream of streams) expect(stream.orders()[1]).toEqual(shown.body);
  });

  it('sends a keep-alive comment at every keep-alive, with the order again only once it has changed', async () => {
    const { order, cookie } = await liveOrder();
    const stream = await openOrderEvents(tickingServer, order.id, cookie);
    await waitFor(() => stream.comments.length >= 3, { description: 'three keep-alives' });
    expect(stream.comments.every((comment) => comment === 'keep-alive')).toBe(true);
    expect(stream.orders()).toHaveLength(1);

    // Written behind the service's back: no event, as when the subscription missed one.
    await Order.updateOne(
      { _id: order.id },
      { $set: { status: OrderStatus.Cancelled, cancelReason: OrderCancelReason.Expired }, $inc: { version: 1 } },
    );

    await waitFor(() => stream.orders().length === 2, { description: 'the change at a keep-alive' });
    expect(stream.orders()[1]).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
  });

  it('is 401 signed out, 403 for another user’s order and 404 for an unknown or malformed id, opening no stream', async () => {
    const { order } = await liveOrder();

    await request(app).get(`/api/orders/${order.id}/events`).expect(401);
    const res = await request(app).get(`/api/orders/${order.id}/events`).set('Cookie', signin()).expect(403);
    expect(res.body).toEqual({ errors: [{ message: 'This order belongs to another user' }] });
    await request(app).get(`/api/orders/${newId()}/events`).set('Cookie', signin()).expect(404);
    const malformed = await request(app).get('/api/orders/not-an-id/events').set('Cookie', signin()).expect(404);
    expect(malformed.body).toEqual({ errors: [{ message: 'Order not found' }] });
    expect(orderUpdates.openStreams(order.id)).toBe(0);
  });

  it('forgets a stream whose client went away, and keeps feeding the others', async () => {
    const { order, cookie } = await liveOrder();
    const [leaving, staying] = await Promise.all([
      openOrderEvents(server, order.id, cookie),
      openOrderEvents(server, order.id, cookie),
    ]);
    await waitFor(() => orderUpdates.openStreams(order.id) === 2, { description: 'two streams' });

    leaving.request.destroy();
    await waitFor(() => orderUpdates.openStreams(order.id) === 1, { description: 'the stream to be forgotten' });
    await Order.cancel(env.outbox, order.id, OrderCancelReason.Expired);
    await waitFor(() => staying.orders().length === 2, { description: 'the change on the other stream' });

    staying.request.destroy();
    await waitFor(() => orderUpdates.openStreams(order.id) === 0, { description: 'no stream left' });
  });

  it('ends open streams on shutdown, which then completes at once with exit code 0', async () => {
    const liveStreams = new LiveStreams();
    const shuttingDown = await listen(buildApp(env.outbox, { orderUpdates, liveStreams }));
    const { order, cookie } = await liveOrder();
    const stream = await openOrderEvents(shuttingDown, order.id, cookie);
    await waitFor(() => stream.orders().length === 1, { description: 'the first event' });

    const exitCode = await new Promise<number>((resolve) => {
      // Far below the default: a stream that held the server would make this exit 1.
      const shutdown = createShutdown({
        server: shuttingDown,
        liveStreams,
        steps: [],
        logger: createLogger('orders-test'),
        exit: resolve,
        timeoutMs: 2000,
      });
      void shutdown('SIGTERM');
    });

    expect(exitCode).toBe(0);
    await stream.ended;
    await waitFor(() => orderUpdates.openStreams(order.id) === 0, { description: 'the stream to be forgotten' });
  });
});
