// The tickets service's /metrics after traffic, on metrics wired as runService wires them (the bus,
// the outbox, the app): requests by route template, ticket.created published, no outbox backlog.
import { ServiceMetrics, setServiceMetrics, Subjects } from '@ticketing/common';
import { metricValue } from '@ticketing/common/testing';
import request from 'supertest';
import { createTicket, newObjectId, startTicketsTest, type TicketsTestContext } from './setup';

let ctx: TicketsTestContext;

beforeAll(async () => {
  ctx = await startTicketsTest();
  const metrics = new ServiceMetrics({ service: 'tickets', defaultMetrics: false });
  metrics.watchBus(ctx.env.bus);
  metrics.watchOutbox(ctx.outbox);
  setServiceMetrics(ctx.app, metrics);
});

afterAll(async () => {
  await ctx.env.stop();
});

it('counts requests by route template and status, and the ticket.created the outbox published', async () => {
  const ticket = await createTicket(ctx.app);
  await request(ctx.app).get(`/api/tickets/${ticket.id}`).expect(200);
  await request(ctx.app).get(`/api/tickets/${newObjectId()}`).expect(404);
  await request(ctx.app).get('/api/tickets').expect(200);

  const text = (await request(ctx.app).get('/metrics').expect(200)).text;
  const count = (labels: Record<string, string>) =>
    metricValue(text, 'http_request_duration_seconds_count', { service: 'tickets', ...labels });
  expect(count({ method: 'POST', route: '/api/tickets', status_code: '201' })).toBe(1);
  expect(count({ method: 'GET', route: '/api/tickets/:id', status_code: '200' })).toBe(1);
  expect(count({ method: 'GET', route: '/api/tickets/:id', status_code: '404' })).toBe(1);
  expect(count({ method: 'GET', route: '/api/tickets', status_code: '200' })).toBe(1);
  expect(count({ route: `/api/tickets/${ticket.id}` })).toBeUndefined();
  // Published right after the commit: once, and nothing left in the outbox.
  expect(
    metricValue(text, 'events_published_total', {
      service: 'tickets',
      subject: Subjects.TicketCreated,
      outcome: 'published',
    }),
  ).toBe(1);
  expect(metricValue(text, 'outbox_pending_records', { service: 'tickets' })).toBe(0);
  expect(metricValue(text, 'outbox_oldest_pending_age_seconds', { service: 'tickets' })).toBe(0);
});
