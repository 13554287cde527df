import { OrderCancelReason, OrderStatus, Subjects } from '@ticketing/common';
import { signin, waitForEvent } from '@ticketing/common/testing';
import request from 'supertest';
import { Order } from '../../src/models/order';
import {
  buildApp,
  insertTicket,
  newId,
  orderPaymentOf,
  paymentCreatedData,
  recordedEvents,
  startOrdersTestEnvironment,
  type OrdersTestEnvironment,
} from '../setup';

let env: OrdersTestEnvironment;
let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
  app = buildApp(env.outbox);
});
beforeEach(() => env.clearDatabase());
afterAll(() => env.stop());

async function placeOrder(cookie: string[]) {
  const ticket = await insertTicket();
  const res = await request(app).post('/api/orders').set('Cookie', cookie).send({ ticketId: ticket.id }).expect(201);
  return res.body as { id: string; ticket: { id: string } };
}

const cancel = (orderId: string, cookie?: string[]) => {
  const req = request(app).delete(`/api/orders/${orderId}`);
  return cookie ? req.set('Cookie', cookie) : req;
};

describe('DELETE /api/orders/:id', () => {
  it('cancels the order at the buyer’s request, bumps its version and publishes order.cancelled', async () => {
    const me = signin();
    const order = await placeOrder(me);

    await cancel(order.id, me).expect(204);

    const res = await request(app).get(`/api/orders/${order.id}`).set('Cookie', me).expect(200);
    expect(res.body).toMatchObject({
      status: OrderStatus.Cancelled,
      cancelReason: OrderCancelReason.RequestedByBuyer,
      version: 1,
    });
    const { data } = await waitForEvent(env.bus, Subjects.OrderCancelled, { match: (event) => event.id === order.id });
    expect(data).toEqual({
      id: order.id,
      version: 1,
      reason: OrderCancelReason.RequestedByBuyer,
      ticket: { id: order.ticket.id },
    });
  });

  it('frees the ticket for another buyer', async () => {
    const me = signin();
    const order = await placeOrder(me);
    await request(app).post('/api/orders').set('Cookie', signin()).send({ ticketId: order.ticket.id }).expect(400);

    await cancel(order.id, me).expect(204);

    await request(app).post('/api/orders').set('Cookie', signin()).send({ ticketId: order.ticket.id }).expect(201);
  });

  it('is harmless the second time: nothing changes and nothing more is published', async () => {
    const me = signin();
    const order = await placeOrder(me);
    await cancel(order.id, me).expect(204);
    await cancel(order.id, me).expect(204);

    const stored = await Order.findById(order.id);
    expect(stored!.version).toBe(1);
    expect(await recordedEvents(env.outbox, Subjects.OrderCancelled, order.id)).toHaveLength(1);
  });

  it('refuses to cancel a complete order', async () => {
    const me = signin();
    const order = await placeOrder(me);
    await Order.complete(env.outbox, order.id, orderPaymentOf(paymentCreatedData(order.id)));

    const res = await cancel(order.id, me).expect(400);

    expect(res.body).toEqual({ errors: [{ message: 'This order is paid: a paid order cannot be cancelled' }] });
    expect((await Order.findById(order.id))!.status).toBe(OrderStatus.Complete);
    expect(await recordedEvents(env.outbox, Subjects.OrderCancelled)).toHaveLength(0);
  });

  it("is 403 for another user's order and leaves it live", async () => {
    const order = await placeOrder(signin());
    const res = await cancel(order.id, signin()).expect(403);
    expect(res.body).toEqual({ errors: [{ message: 'This order belongs to another user' }] });
    expect((await Order.findById(order.id))!.status).toBe(OrderStatus.Created);
  });

  it('is 401 without a session and 404 for unknown or malformed ids', async () => {
    const order = await placeOrder(signin());
    await cancel(order.id).expect(401);
    await cancel(newId(), signin()).expect(404);
    await cancel('1234', signin()).expect(404);
    expect((await Order.findById(order.id))!.status).toBe(OrderStatus.Created);
  });
});
