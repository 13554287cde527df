import { waitFor } from '@ticketing/common/testing';
import { ObjectId } from 'mongodb';
import type { FaultSystem } from './system';
import type { ApiUser } from './traffic';

export interface TicketView {
  id: string;
  title: string;
  price: number;
  version: number;
}

export interface OrderView {
  id: string;
  status: string;
  expiresAt: string;
  createdAt: string;
  ticket: { id: string; price: number };
}

/** Lists `count` tickets for `seller` and waits until the orders service knows every one (an event away). */
export async function listTickets(
  system: FaultSystem,
  seller: ApiUser,
  count: number,
  price = 10,
): Promise<TicketView[]> {
  const tickets: TicketView[] = [];
  for (let index = 0; index < count; index++) {
    const answer = await seller.request<TicketView>('POST', '/api/tickets', { title: `Concert ${index}`, price });
    if (answer.status !== 201)
      throw new Error(`listing a ticket answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    tickets.push(answer.body);
  }
  await ordersKnow(system, tickets);
  return tickets;
}

/** Waits until orders' copy of every ticket is at least as recent as the version given. */
export async function ordersKnow(system: FaultSystem, tickets: TicketView[]): Promise<void> {
  const copies = system.db('orders').collection<{ _id: ObjectId; version: number }>('tickets');
  await waitFor(
    async () => {
      const known = await copies
        .find({ $or: tickets.map((ticket) => ({ _id: new ObjectId(ticket.id), version: { $gte: ticket.version } })) })
        .toArray();
      return known.length === tickets.length;
    },
    { timeoutMs: 30_000, intervalMs: 100, description: `orders to know ${tickets.length} tickets` },
  );
}

/** Waits until payments knows the order (an event away from orders), so that paying it cannot get a 404. */
export async function paymentsKnow(system: FaultSystem, orderIds: string[]): Promise<void> {
  const copies = system.db('payments').collection<{ _id: ObjectId }>('orders');
  await waitFor(
    async () =>
      (await copies.countDocuments({ _id: { $in: orderIds.map((id) => new ObjectId(id)) } })) === orderIds.length,
    {
      timeoutMs: 30_000,
      intervalMs: 100,
      description: `payments to know ${orderIds.length} orders`,
    },
  );
}
