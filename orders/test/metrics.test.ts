// The orders service's /metrics after traffic, on metrics wired as runService wires them (the bus,
// the outbox, the app): requests by route template, its listeners' deliveries, its publishes.
import { ServiceMetrics, setServiceMetrics, Subjects, TicketStatus } from '@ticketing/common';
import { metricValue, signin, waitFor } from '@ticketing/common/testing';
import type { Express } from 'express';
import request from 'supertest';
import { TicketCreatedListener } from '../src/events/listeners/ticket-created-listener';
import { TicketUpdatedListener } from '../src/events/listeners/ticket-updated-listener';
import {
  buildApp,
  listenerOptions,
  newId,
  publishEvent,
  startOrdersTestEnvironment,
  type OrdersTestEnvironment,
} from './setup';

let env: OrdersTestEnvironment;
let app: Express;
let created: TicketCreatedListener;
let updated: TicketUpdatedListener;

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
  const metrics = new ServiceMetrics({ service: 'orders', defaultMetrics: false });
  metrics.watchBus(env.bus);
  metrics.watchOutbox(env.outbox);
  app = buildApp(env.outbox);
  setServiceMetrics(app, metrics);
  created = new TicketCreatedListener(env.bus, listenerOptions);
  updated = new TicketUpdatedListener(env.bus, listenerOptions, env.outbox);
  await created.listen();
  await updated.listen();
});

afterAll(async () => {
  await created.stop();
  await updated.stop();
  await env.stop();
});

async function scrape(): Promise<string> {
  return (await request(app).get('/metrics').expect(200)).text;
}

const ticket = (id: string, version: number, title: string) => ({
  id,
  version,
  title,
  price: 20,
  userId: newId(),
  status: TicketStatus.Available,
});

it('counts ticket events acked and too early, times the handlers, and reports the consumers caught up', async () => {
  const ticketId = newId();
  await publishEvent(env.bus, Subjects.TicketCreated, ticket(ticketId, 0, 'Concert'));
  // Version 2 before version 1: too early until version 1 is applied.
  await publishEvent(env.bus, Subjects.TicketUpdated, ticket(ticketId, 2, 'Opera'));
  const consumed = (text: string, subject: string, outcome: string) =>
    metricValue(text, 'events_consumed_total', { service: 'orders', subject, outcome }) ?? 0;
  await waitFor(async () => consumed(await scrape(), Subjects.TicketUpdated, 'too_early') >= 1, {
    description: 'version 2 to be found too early',
  });
  await publishEvent(env.bus, Subjects.TicketUpdated, ticket(ticketId, 1, 'Ballet'));

  const text = await waitFor(async () => {
    const scraped = await scrape();
    return consumed(scraped, Subjects.TicketUpdated, 'acked') === 2 ? scraped : undefined;
  });
  expect(consumed(text, Subjects.TicketCreated, 'acked')).toBe(1);
  const tooEarly = consumed(text, Subjects.TicketUpdated, 'too_early');
  expect(tooEarly).toBeGreaterThanOrEqual(1);
  expect(consumed(text, Subjects.TicketUpdated, 'retried')).toBe(0);
  expect(consumed(text, Subjects.TicketUpdated, 'dead_lettered')).toBe(0);
  // Each delivery's handler timed: the two acked and every too-early one.
  expect(
    metricValue(text, 'event_handler_duration_seconds_count', { service: 'orders', subject: Subjects.TicketUpdated }),
  ).toBe(2 + tooEarly);
  for (const consumer of ['orders-ticket-created', 'orders-ticket-updated']) {
    expect(metricValue(text, 'jetstream_consumer_pending_messages', { service: 'orders', consumer })).toBe(0);
    expect(metricValue(text, 'jetstream_consumer_ack_pending_messages', { service: 'orders', consumer })).toBe(0);
  }
});

it('counts orders requests by route template and status, and the order.created published', async () => {
  const ticketId = newId();
  await publishEvent(env.bus, Subjects.TicketCreated, ticket(ticketId, 0, 'Jazz'));
  const buyer = signin();
  const order = await waitFor(async () => {
    const response = await request(app).post('/api/orders').set('Cookie', buyer).send({ ticketId });
    return response.status === 201 ? (response.body as { id: string }) : undefined;
  });
  const before = await scrape();
  await request(app).get(`/api/orders/${order.id}`).set('Cookie', buyer).expect(200);
  await request(app).get('/api/orders/not-an-id').set('Cookie', buyer).expect(404);
  await request(app).get('/api/ordersx').expect(404);

  const text = await scrape();
  const count = (scraped: string, labels: Record<string, string>) =>
    metricValue(scraped, 'http_request_duration_seconds_count', { service: 'orders', ...labels }) ?? 0;
  const show = { method: 'GET', route: '/api/orders/:id' };
  expect(count(text, { method: 'POST', route: '/api/orders', status_code: '201' })).toBe(1);
  expect(count(text, { ...show, status_code: '200' })).toBe(count(before, { ...show, status_code: '200' }) + 1);
  expect(count(text, { ...show, status_code: '404' })).toBe(count(before, { ...show, status_code: '404' }) + 1);
  expect(count(text, { route: 'unmatched', status_code: '404' })).toBe(count(before, { route: 'unmatched' }) + 1);
  expect(
    metricValue(text, 'events_published_total', { subject: Subjects.OrderCreated, outcome: 'published' }),
  ).toBeGreaterThanOrEqual(1);
  expect(metricValue(text, 'outbox_pending_records', { service: 'orders' })).toBe(0);
});
