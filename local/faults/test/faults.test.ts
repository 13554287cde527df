// The fault suite (`npm run test:faults`): the whole system with two replicas of every service and a
// short reservation window, faults injected scenario after scenario on the same running system, and
// after each one the invariants (src/invariants.ts) checked until they hold. Zero violations is the
// only passing result. The table it prints is the README's reliability section.
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { shuffled, waitFor } from '@ticketing/common/testing';
import { ObjectId } from 'mongodb';
import { listTickets, ordersKnow, paymentsKnow, type OrderView, type TicketView } from '../src/marketplace';
import { writeResults, type ScenarioResult } from '../src/report';
import { FaultSystem } from '../src/system';
import { inParallel, TrafficLog, type ApiUser } from '../src/traffic';

const RESERVATION_SECONDS = 6;
const OVERDUE_SWEEP = { intervalSeconds: 2, graceSeconds: 1 };
/** The longest a scenario's system may take to become consistent again after its faults. */
const CONVERGE_TIMEOUT_MS = 60_000;
const STACK_START_TIMEOUT_MS = 240_000;
const SCENARIO_TIMEOUT_MS = 180_000;
const CRASH_TRIGGER = path.join(tmpdir(), `ticketing-faults-crash-${process.pid}`);

let system: FaultSystem;
const results: ScenarioResult[] = [];

beforeAll(async () => {
  system = await FaultSystem.start({
    replicas: 2,
    reservationSeconds: RESERVATION_SECONDS,
    overdueSweep: OVERDUE_SWEEP,
    refundSweepIntervalSeconds: 2,
    crashAfterCommitTrigger: CRASH_TRIGGER,
  });
}, STACK_START_TIMEOUT_MS);

afterAll(async () => {
  await system?.stop();
  if (results.length > 0) process.stdout.write(`\nFault suite\n\n${writeResults(results)}\n\n`);
}, STACK_START_TIMEOUT_MS);

interface ScenarioOptions {
  faults: string;
  /**
   * A process is killed while it handles requests: those requests get no answer (or the gateway's
   * 502 for them), which is not a violation as long as nothing the system accepted is lost.
   */
  crashes?: boolean;
}

/**
 * One scenario: its traffic and faults, then the invariants until they hold. `run` returns the
 * violations only it can see (an accepted order that vanished, a wrong answer); the table gets a row.
 */
function scenario(name: string, options: ScenarioOptions, run: (log: TrafficLog) => Promise<string[]>): void {
  test(
    name,
    async () => {
      const log = new TrafficLog();
      const eventsBefore = await system.eventCount();
      const own = await run(log);
      const { violations, convergedInMs } = await system.converge(CONVERGE_TIMEOUT_MS);
      const eventsAfter = await system.eventCount();
      const traffic = options.crashes
        ? log.serverErrors.filter((error) => !/ answered 502 /.test(error))
        : [...log.serverErrors, ...log.unanswered.map((request) => `${request} got no answer`)];
      const all = [...own, ...traffic, ...violations];
      results.push({
        scenario: name,
        faults: options.faults,
        requests: log.requests,
        // A NATS restart without its store starts the stream's sequence over.
        events: eventsAfter >= eventsBefore ? eventsAfter - eventsBefore : eventsAfter,
        violations: all.length,
        convergedInMs,
      });
      expect(all).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );
}

function buyers(count: number, log: TrafficLog): ApiUser[] {
  return Array.from({ length: count }, () => system.user(log));
}

/** Orders placed while processes crash: each one the system accepted (201) must still exist, reserving its ticket. */
async function lostOrders(accepted: OrderView[]): Promise<string[]> {
  const lost: string[] = [];
  const orders = system.db('orders').collection('orders');
  for (const order of accepted) {
    const stored = await orders.findOne({ _id: { $eq: new ObjectId(order.id) } });
    if (!stored) lost.push(`order ${order.id} was accepted (201) and is not stored`);
  }
  return lost;
}

/** Buyers ordering (and cancelling half of what they get) until `until` resolves; the orders accepted. */
async function orderChurn(log: TrafficLog, tickets: TicketView[], buyerCount: number, until: Promise<unknown>) {
  let running = true;
  void until.then(() => {
    running = false;
  });
  const accepted: OrderView[] = [];
  await Promise.all(
    buyers(buyerCount, log).map(async (buyer, index) => {
      let turn = index;
      while (running) {
        const ticket = tickets[turn++ % tickets.length];
        const answer = await buyer.request<OrderView>('POST', '/api/orders', { ticketId: ticket.id });
        if (answer.status === 201) {
          accepted.push(answer.body);
          if (turn % 2 === 0) await buyer.request('DELETE', `/api/orders/${answer.body.id}`);
        }
      }
    }),
  );
  return accepted;
}

scenario('Flash sale', { faults: '1,000 buyers at once for 100 tickets' }, async (log) => {
  const sellers = buyers(10, log);
  const tickets = (await Promise.all(sellers.map((seller) => listTickets(system, seller, 10)))).flat();
  const crowd = buyers(1000, log);
  const answers = await inParallel(crowd, 100, (buyer) => {
    const ticket = tickets[crowd.indexOf(buyer) % tickets.length];
    return buyer.request<OrderView>('POST', '/api/orders', { ticketId: ticket.id });
  });
  // The sale may outlast the reservation window, and a ticket whose order expired is sold again:
  // what must hold is that no two accepted orders held one ticket at the same time.
  const accepted = answers.filter((answer) => answer.status === 201).map((answer) => answer.body);
  const unexpected = answers.filter((answer) => answer.status !== 201 && answer.status !== 400);
  const sold = new Set(accepted.map((order) => order.ticket.id)).size;
  return [
    ...overlappingReservations(accepted),
    ...unexpected.map((answer) => `an order answered ${answer.status}: ${JSON.stringify(answer.body)}`),
    ...(sold === tickets.length ? [] : [`only ${sold} of ${tickets.length} tickets were reserved`]),
  ];
});

/** Accepted orders (none cancelled) whose reservations of the same ticket overlap in time. */
function overlappingReservations(orders: OrderView[]): string[] {
  const problems: string[] = [];
  const byTicket = new Map<string, OrderView[]>();
  for (const order of orders) byTicket.set(order.ticket.id, [...(byTicket.get(order.ticket.id) ?? []), order]);
  for (const [ticketId, held] of byTicket) {
    const inOrder = [...held].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    for (let index = 1; index < inOrder.length; index++) {
      if (Date.parse(inOrder[index].createdAt) < Date.parse(inOrder[index - 1].expiresAt)) {
        problems.push(`ticket ${ticketId} was reserved by ${inOrder[index - 1].id} and ${inOrder[index].id} at once`);
      }
    }
  }
  return problems;
}

scenario(
  'Order and cancel churn',
  { faults: '20 buyers ordering and cancelling on 40 tickets, events reordered across consumers' },
  async (log) => {
    const tickets = await listTickets(system, system.user(log), 40);
    await orderChurn(log, tickets, 20, delay(15_000));
    return [];
  },
);

scenario(
  'Duplicate and out-of-order delivery',
  { faults: 'the last 300 events published again, twice each, shuffled' },
  async () => {
    // Orders expiring change the state by themselves: replay once every reservation has ended.
    await waitFor(
      async () => (await system.db('orders').collection('orders').countDocuments({ status: 'created' })) === 0,
      { timeoutMs: 30_000, intervalMs: 200, description: 'every live order to end' },
    );
    await system.converge(CONVERGE_TIMEOUT_MS);
    const count = await system.eventCount();
    const events = await system.storedEvents(count - 300 + 1);
    const snapshot = await stateSnapshot();
    const copies = shuffled([...events, ...events], count);
    for (const [index, event] of copies.entries()) {
      await system.publishRaw(event.subject, event.payload, `replayed-${count}-${index}`);
    }
    await system.converge(CONVERGE_TIMEOUT_MS);
    const after = await stateSnapshot();
    return after === snapshot ? [] : ['replaying events already applied changed the state of tickets or orders'];
  },
);

/** Every ticket's and order's state and version: what applying an event twice must not change. */
async function stateSnapshot(): Promise<string> {
  const tickets = await system
    .db('tickets')
    .collection('tickets')
    .find({}, { projection: { version: 1, orderId: 1, status: 1 } })
    .sort({ _id: 1 })
    .toArray();
  const orders = await system
    .db('orders')
    .collection('orders')
    .find({}, { projection: { version: 1, status: 1 } })
    .sort({ _id: 1 })
    .toArray();
  return JSON.stringify({ tickets, orders });
}

scenario('Poison event', { faults: 'malformed ticket.created and order.created events' }, async (log) => {
  const poison = [
    { subject: 'ticket.created', payload: JSON.stringify({ poison: 'not a ticket' }) },
    { subject: 'order.created', payload: '{"id": 42, "status": ' },
  ];
  for (const [index, event] of poison.entries()) {
    system.poisonPayloads.add(event.payload);
    await system.publishRaw(event.subject, event.payload, `poison-${Date.now()}-${index}`);
  }
  await waitFor(
    async () => {
      const letters = await system.deadLetters();
      return poison.every((event) => letters.some((letter) => letter.record.payload === event.payload));
    },
    { timeoutMs: 30_000, intervalMs: 200, description: 'the poison events to be dead-lettered' },
  );
  // Later events still flow: a new ticket can be listed and ordered.
  const [ticket] = await listTickets(system, system.user(log), 1);
  const answer = await system.user(log).request('POST', '/api/orders', { ticketId: ticket.id });
  return answer.status === 201 ? [] : [`ordering after the poison events answered ${answer.status}`];
});

scenario(
  'Price edit racing an order',
  { faults: '20 sellers re-pricing while a buyer orders, then pays' },
  async (log) => {
    const problems: string[] = [];
    await inParallel(
      Array.from({ length: 20 }, (_, index) => index),
      20,
      async (index) => {
        const seller = system.user(log);
        const buyer = system.user(log);
        const [ticket] = await listTickets(system, seller, 1, 10);
        const newPrice = 20 + index;
        const [order] = await Promise.all([
          buyer.request<OrderView>('POST', '/api/orders', { ticketId: ticket.id }),
          seller.request('PUT', `/api/tickets/${ticket.id}`, { title: ticket.title, price: newPrice }),
        ]);
        if (order.status !== 201) return;
        const shownPrice = order.body.ticket.price;
        await paymentsKnow(system, [order.body.id]);
        const payment = await buyer.request<{ amount: number }>('POST', '/api/payments', {
          orderId: order.body.id,
          paymentMethod: 'pm_card_visa',
        });
        if (payment.status !== 201) problems.push(`paying order ${order.body.id} answered ${payment.status}`);
        else if (payment.body.amount !== shownPrice)
          problems.push(`order ${order.body.id} showed ${shownPrice} and charged ${payment.body.amount}`);
        const stored = await buyer.request<OrderView>('GET', `/api/orders/${order.body.id}`);
        if (stored.body.ticket.price !== shownPrice)
          problems.push(`order ${order.body.id} showed ${shownPrice}, now shows ${stored.body.ticket.price}`);
      },
    );
    return problems;
  },
);

scenario(
  'Payment racing expiry',
  { faults: '30 payments sent from 60 ms before to 60 ms after their order expires' },
  async (log) => {
    const tickets = await listTickets(system, system.user(log), 30);
    const orders = await Promise.all(
      tickets.map(async (ticket) => {
        const buyer = system.user(log);
        const answer = await buyer.request<OrderView>('POST', '/api/orders', { ticketId: ticket.id });
        return { buyer, order: answer.body };
      }),
    );
    await paymentsKnow(
      system,
      orders.map(({ order }) => order.id),
    );
    await Promise.all(
      orders.map(async ({ buyer, order }, index) => {
        const offsetMs = -60 + index * 4;
        await delay(Math.max(0, new Date(order.expiresAt).getTime() + offsetMs - Date.now()));
        await buyer.request('POST', '/api/payments', { orderId: order.id, paymentMethod: 'pm_card_visa' });
      }),
    );
    return [];
  },
);

scenario(
  'Crash between commit and publish',
  { faults: 'an orders instance killed right after committing order.created', crashes: true },
  async (log) => {
    const tickets = await listTickets(system, system.user(log), 5);
    const orderInstances = system.stack.instances.filter((instance) => instance.service === 'orders');
    const pidsBefore = orderInstances.map((instance) => system.stack.pid(instance.name));
    writeFileSync(CRASH_TRIGGER, 'order.created');
    const answers = await Promise.all(
      tickets.map((ticket) => system.user(log).request<OrderView>('POST', '/api/orders', { ticketId: ticket.id })),
    );
    if (existsSync(CRASH_TRIGGER)) return ['no orders instance crashed after committing order.created'];
    // The supervisor notices the crash a moment later; wait for it, then for the restarted instance.
    const crashed = await waitFor(
      () => orderInstances.find((instance, index) => system.stack.pid(instance.name) !== pidsBefore[index]),
      { timeoutMs: 10_000, description: 'the crashed orders instance to be noticed' },
    );
    await system.stack.whenUp(crashed.name, 60_000);
    // The request that crashed got no answer, but its order was committed: it must be there and
    // (once the relay has published its event) reserve its ticket, which the invariants check.
    // Other requests in flight on that instance may have died before committing anything.
    const unanswered = tickets.filter((_ticket, index) => answers[index].status !== 201);
    const orders = system.db('orders').collection('orders');
    // Expired by now, perhaps: any status will do.
    const committed = await orders.countDocuments({
      ticket: { $in: unanswered.map((ticket) => new ObjectId(ticket.id)) },
    });
    const problems = committed > 0 ? [] : ['the order committed before the crash is not stored'];
    const accepted = answers.filter((answer) => answer.status === 201).map((answer) => answer.body);
    return [...problems, ...(await lostOrders(accepted))];
  },
);

scenario(
  'Replica killed under traffic',
  { faults: 'kill -9 of orders#1 and tickets#2 while 10 buyers order', crashes: true },
  async (log) => {
    const tickets = await listTickets(system, system.user(log), 30);
    const kills = (async () => {
      await delay(2_000);
      system.stack.kill('orders#1', 'SIGKILL');
      system.stack.kill('tickets#2', 'SIGKILL');
      await Promise.all(['orders#1', 'tickets#2'].map((name) => system.stack.whenUp(name, 60_000)));
      await delay(2_000);
    })();
    const accepted = await orderChurn(log, tickets, 10, kills);
    return lostOrders(accepted);
  },
);

scenario(
  'Graceful restart under traffic',
  { faults: 'SIGTERM to orders#2 and payments#1 while 10 buyers order' },
  async (log) => {
    const tickets = await listTickets(system, system.user(log), 30);
    const restarts = (async () => {
      await delay(2_000);
      system.stack.kill('orders#2', 'SIGTERM');
      system.stack.kill('payments#1', 'SIGTERM');
      await delay(500);
      await Promise.all(['orders#2', 'payments#1'].map((name) => system.stack.whenUp(name, 60_000)));
      await delay(2_000);
    })();
    const accepted = await orderChurn(log, tickets, 10, restarts);
    return lostOrders(accepted);
  },
);

scenario('Redis lost', { faults: 'Redis restarted with no data while 10 orders wait to expire' }, async (log) => {
  const tickets = await listTickets(system, system.user(log), 10);
  const orders = await Promise.all(
    tickets.map((ticket) => system.user(log).request<OrderView>('POST', '/api/orders', { ticketId: ticket.id })),
  );
  await system.stack.restartServer('redis', { wipeData: true });
  await delay(RESERVATION_SECONDS * 1000);
  const stored = system.db('orders').collection('orders');
  const problems: string[] = [];
  for (const { body: order } of orders) {
    const final = await waitFor(
      async () => {
        const current = await stored.findOne({ _id: { $eq: new ObjectId(order.id) } });
        return current?.status === 'cancelled' ? current : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: `order ${order.id} to expire` },
    ).catch(() => undefined);
    if (!final) problems.push(`order ${order.id} never expired after Redis lost its jobs`);
  }
  return problems;
});

scenario(
  'NATS restarted with its store',
  { faults: 'NATS killed and restarted while 10 buyers order' },
  async (log) => {
    const tickets = await listTickets(system, system.user(log), 30);
    const restart = (async () => {
      await delay(2_000);
      await system.stack.restartServer('nats');
      await delay(3_000);
    })();
    const accepted = await orderChurn(log, tickets, 10, restart);
    return lostOrders(accepted);
  },
);

scenario(
  'NATS restarted without its store',
  { faults: 'NATS killed and restarted empty; then 32 new orders' },
  async (log) => {
    await system.stack.restartServer('nats', { wipeData: true });
    // The dead letters went with the store; the poison events are no longer there to find.
    const tickets = await listTickets(system, system.user(log), 32);
    const problems: string[] = [];
    await Promise.all(
      tickets.map(async (ticket) => {
        const answer = await system.user(log).request<OrderView>('POST', '/api/orders', { ticketId: ticket.id });
        if (answer.status !== 201)
          problems.push(`ordering ticket ${ticket.id} after the restart answered ${answer.status}`);
      }),
    );
    await ordersKnow(system, tickets);
    return problems;
  },
);
