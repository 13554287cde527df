// The whole system started from code, driven over HTTP through the gateway only, as a
// browser would. The services run from their sources (no build needed for the test).
import { readFileSync } from 'node:fs';
import { metricValue } from '@ticketing/common/testing';
import type { StoredMessage } from '@ticketing/mail-sink';
import { startStack, StackStartError, type Stack, type StackOptions } from '../src';
import { allFree, eventually, freePorts, HttpUser, makeTempDir, removeDir } from './helpers';

// Starting the system twice (twelve service processes, then six) on a loaded two-core machine.
const SYSTEM_TEST_TIMEOUT_MS = 240_000;
const EXPIRATION_WINDOW_SECONDS = 3;

interface Ticket {
  id: string;
  title: string;
  price: number;
  status: string;
  orderId?: string;
}
interface Order {
  id: string;
  status: string;
  cancelReason?: string;
  expiresAt: string;
  ticket: Ticket;
  payment?: { amount: number; currency: string; card?: { brand: string; last4: string }; status: string };
}

let dataDir: string;
let infrastructurePorts: { mongo: number; nats: number; redis: number };
let stack: Stack | undefined;

function start(overrides: Partial<StackOptions> = {}): Promise<Stack> {
  return startStack({
    dataDir,
    mongo: { port: infrastructurePorts.mongo },
    nats: { port: infrastructurePorts.nats },
    redis: { port: infrastructurePorts.redis },
    runMode: 'source',
    expirationWindowSeconds: EXPIRATION_WINDOW_SECONDS,
    ...overrides,
  });
}

beforeEach(async () => {
  dataDir = await makeTempDir();
  const [mongo, nats, redis] = await freePorts(3);
  infrastructurePorts = { mongo, nats, redis };
});

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  await removeDir(dataDir);
});

/** Creates an order, waiting until orders has learnt of the ticket (an event away from tickets). */
function orderTicket(buyer: HttpUser, ticketId: string): Promise<Order> {
  return eventually(`an order for ticket ${ticketId}`, async () => {
    const response = await buyer.request<Order>('POST', '/api/orders', { ticketId });
    if (response.status === 404) return undefined;
    expect(response.status).toBe(201);
    return response.body;
  });
}

/** Pays an order, waiting until payments has learnt of it (an event away from orders). */
function payOrder(buyer: HttpUser, orderId: string, paymentMethod: string) {
  return eventually(`payments to know order ${orderId}`, async () => {
    const response = await buyer.request<Record<string, unknown>>('POST', '/api/payments', { orderId, paymentMethod });
    return response.status === 404 ? undefined : response;
  });
}

function orderReaches(buyer: HttpUser, orderId: string, status: string): Promise<Order> {
  return eventually(`order ${orderId} to be ${status}`, async () => {
    const response = await buyer.request<Order>('GET', `/api/orders/${orderId}`);
    expect(response.status).toBe(200);
    return response.body.status === status ? response.body : undefined;
  });
}

function ticketForSale(client: HttpUser, ticketId: string): Promise<Ticket> {
  return eventually(`ticket ${ticketId} to be for sale`, async () => {
    const response = await client.request<Ticket>('GET', `/api/tickets/${ticketId}`);
    expect(response.status).toBe(200);
    return response.body.status === 'available' ? response.body : undefined;
  });
}

/** The mail sent to `address`, newest first, read from the mail sink's JSON listing through the gateway. */
async function mailTo(running: Stack, address: string): Promise<StoredMessage[]> {
  const response = await fetch(`${running.url}/mail/api/messages?to=${encodeURIComponent(address)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: StoredMessage[] }).messages;
}

/** The one message to `address` with this subject, once it has arrived; fails if it arrives twice. */
function emailArrives(running: Stack, address: string, subject: string): Promise<StoredMessage> {
  return eventually(`"${subject}" to reach ${address}`, async () => {
    const received = (await mailTo(running, address)).filter((message) => message.subject === subject);
    expect(received.length).toBeLessThanOrEqual(1);
    return received[0];
  });
}

/** How many delayed jobs the expiration queue holds, read from the expiration service's metrics. */
async function delayedExpirations(running: Stack): Promise<number> {
  const expiration = running.instances.find((instance) => instance.service === 'expiration')!;
  const metrics = await (await fetch(`http://127.0.0.1:${expiration.port}/metrics`)).text();
  return metricValue(metrics, 'expiration_queue_jobs', { state: 'delayed' }) ?? 0;
}

test(
  'with 2 replicas: a purchase, a 3-D Secure purchase through the webhook, an expiry, then all kept across a restart',
  async () => {
    stack = await start({ replicas: 2 });
    expect(stack.instances.map((instance) => instance.name)).toEqual([
      'auth#1',
      'auth#2',
      'tickets#1',
      'tickets#2',
      'orders#1',
      'orders#2',
      'payments#1',
      'payments#2',
      'expiration#1',
      'expiration#2',
      'notifications#1',
      'notifications#2',
    ]);

    const landing = await fetch(`${stack.url}/api`);
    expect(landing.status).toBe(200);
    const page = await landing.text();
    for (const prefix of ['/api/users', '/api/tickets', '/api/orders', '/api/payments', '/api/notifications']) {
      expect(page).toContain(`href="${prefix}/docs"`);
    }
    expect(page).toContain('<a href="/mail">/mail</a>');

    const seller = new HttpUser(stack.url, 'seller@example.com');
    const buyer = new HttpUser(stack.url, 'buyer@example.com');
    for (const user of [seller, buyer]) {
      const signup = await user.request('POST', '/api/users/signup', { email: user.email, password: 'correct horse' });
      expect(signup.status).toBe(201);
    }
    // Sign-up is announced on the stream; notifications welcomes the new user through the mail sink.
    const welcome = await emailArrives(stack, buyer.email, 'Welcome to Ticketing');
    expect(welcome).toMatchObject({ from: 'no-reply@ticketing.local', to: [buyer.email] });
    expect(welcome.html).toContain('</html>');
    expect(welcome.text).not.toBe('');
    const inbox = await (await fetch(`${stack.url}/mail`)).text();
    expect(inbox).toContain(`<a href="/mail/messages/${welcome.id}">Welcome to Ticketing</a>`);
    // Preferences are read through the gateway from either replica: the defaults, every email on.
    for (let turn = 0; turn < 2; turn++) {
      const preferences = await buyer.request('GET', '/api/notifications/preferences');
      expect(preferences).toEqual({
        status: 200,
        body: { ticketSold: true, reservationExpired: true, welcome: true },
      });
    }
    const list = async (title: string, price: number) => {
      const response = await seller.request<Ticket>('POST', '/api/tickets', { title, price });
      expect(response.status).toBe(201);
      return response.body;
    };
    const concert = await list('Concert', 20);
    const opera = await list('Opera', 35.5);
    const theatre = await list('Theatre', 12.25);
    const withdrawn = await list('Cancelled show', 5);
    expect((await seller.request('DELETE', `/api/tickets/${withdrawn.id}`)).status).toBe(204);
    // Listed now, raced later: by then orders knows them, so each race is a real one.
    const raced = [await list('Race 1', 10), await list('Race 2', 10), await list('Race 3', 10)];

    // Ordered first and never paid: its window runs while the purchases happen.
    const unpaid = await orderTicket(buyer, opera.id);
    expect(unpaid.status).toBe('created');

    const paid = await orderTicket(buyer, concert.id);
    const payment = await payOrder(buyer, paid.id, 'pm_card_visa');
    expect(payment.status).toBe(201);
    const complete = await orderReaches(buyer, paid.id, 'complete');
    expect(complete.payment).toMatchObject({
      amount: 20,
      currency: 'usd',
      card: { brand: 'visa', last4: '4242' },
      status: 'succeeded',
    });
    await eventually('the concert to be sold', async () => {
      const response = await seller.request<Ticket>('GET', `/api/tickets/${concert.id}`);
      return response.body.status === 'sold' ? true : undefined;
    });
    const receipt = await emailArrives(stack, buyer.email, 'Your receipt for Concert');
    // Its link leads to the order's page through the gateway (PUBLIC_URL).
    expect(receipt.text).toContain(`${stack.url}/orders/${paid.id}`);
    await emailArrives(stack, seller.email, 'Your ticket sold: Concert');

    // A card that asks for 3-D Secure: the payment completes only through the fake Stripe's
    // webhook, which reaches payments through the gateway.
    const authenticated = await orderTicket(buyer, theatre.id);
    const pending = await payOrder(buyer, authenticated.id, 'pm_card_authenticationRequired');
    expect(pending.status).toBe(202);
    const nextAction = pending.body.nextAction as { use_stripe_sdk: { stripe_js: string } };
    expect((await fetch(nextAction.use_stripe_sdk.stripe_js)).status).toBe(200);
    await orderReaches(buyer, authenticated.id, 'complete');

    expect((await orderReaches(buyer, unpaid.id, 'cancelled')).cancelReason).toBe('expired');
    await ticketForSale(buyer, opera.id);
    const forSale = await buyer.request<Ticket[]>('GET', '/api/tickets');
    expect(new Set(forSale.body.map((ticket) => ticket.id))).toEqual(
      new Set([opera.id, ...raced.map((ticket) => ticket.id)]),
    );

    // A seller withdrawing while a buyer orders: exactly one wins, and every service agrees on which.
    for (const ticket of raced) {
      const [withdrawal, ordering] = await Promise.all([
        seller.request('DELETE', `/api/tickets/${ticket.id}`),
        buyer.request<Order>('POST', '/api/orders', { ticketId: ticket.id }),
      ]);
      await eventually(`the race for ${ticket.title} to settle`, async () => {
        const { body: settled } = await buyer.request<Ticket>('GET', `/api/tickets/${ticket.id}`);
        if (withdrawal.status === 204) {
          expect(settled.status).toBe('withdrawn');
          if (ordering.status !== 201) return ordering.status === 400 ? true : undefined;
          const order = await buyer.request<Order>('GET', `/api/orders/${ordering.body.id}`);
          return order.body.status === 'cancelled' && order.body.cancelReason === 'ticket_withdrawn' ? true : undefined;
        }
        expect(withdrawal.status).toBe(400);
        expect(ordering.status).toBe(201);
        return settled.status === 'reserved' && settled.orderId === ordering.body.id ? true : undefined;
      });
      if (withdrawal.status === 400) {
        expect((await buyer.request('DELETE', `/api/orders/${ordering.body.id}`)).status).toBe(204);
      }
    }

    // Round robin: every instance behind the gateway has served requests.
    for (const instance of stack.instances.filter(({ service }) => service !== 'expiration')) {
      expect(readFileSync(instance.logFile, 'utf8')).toContain('"msg":"request completed"');
    }

    // An order whose expiry is still pending when the stack stops.
    const pendingAtStop = await orderTicket(buyer, opera.id);
    await eventually('expiration to schedule the order', async () =>
      (await delayedExpirations(stack!)) >= 1 ? true : undefined,
    );
    const servicePorts = stack.instances.map((instance) => instance.port);
    await stack.stop();
    stack = undefined;
    expect(await allFree(servicePorts)).toBe(true);

    stack = await start({ replicas: 1 });
    const buyerAgain = buyer.withBaseUrl(stack.url);
    const sellerAgain = new HttpUser(stack.url, seller.email);

    // The session from before the restart is still valid: the dev JWT key is kept too.
    const currentUser = await buyerAgain.request<{ currentUser: { email: string } | null }>(
      'GET',
      '/api/users/currentuser',
    );
    expect(currentUser.body.currentUser?.email).toBe(buyer.email);
    const signin = await sellerAgain.request('POST', '/api/users/signin', {
      email: seller.email,
      password: 'correct horse',
    });
    expect(signin.status).toBe(200);

    // The expiry scheduled before the stop fires after the start, from Redis, not the orders sweep.
    await orderReaches(buyerAgain, pendingAtStop.id, 'cancelled');
    await ticketForSale(buyerAgain, opera.id);
    const ordersLog = readFileSync(stack.instances.find(({ service }) => service === 'orders')!.logFile, 'utf8');
    expect(ordersLog).not.toContain('overdue order cancelled by the sweep');

    const orders = await buyerAgain.request<Order[]>('GET', '/api/orders');
    const statuses = Object.fromEntries(orders.body.map((order) => [order.id, order.status]));
    const racedOrders = orders.body.filter((order) => order.ticket.title.startsWith('Race'));
    expect(racedOrders.every((order) => order.status === 'cancelled')).toBe(true);
    for (const order of racedOrders) delete statuses[order.id];
    expect(statuses).toEqual({
      [unpaid.id]: 'cancelled',
      [paid.id]: 'complete',
      [authenticated.id]: 'complete',
      [pendingAtStop.id]: 'cancelled',
    });
    // The mail is kept across the restart, and nothing was sent twice.
    const buyerMail = await mailTo(stack, buyer.email);
    expect(buyerMail.map((message) => message.id)).toContain(welcome.id);
    const subjects = buyerMail.map((message) => message.subject);
    expect(subjects.filter((subject) => subject === 'Welcome to Ticketing')).toHaveLength(1);
    expect(subjects.filter((subject) => subject === 'Your receipt for Concert')).toHaveLength(1);
    const sold = await sellerAgain.request<Ticket>('GET', `/api/tickets/${concert.id}`);
    expect(sold.body).toMatchObject({ title: 'Concert', status: 'sold', orderId: paid.id });
    // Newest first by id: ids made by two replicas within the same second sort in no particular order.
    const mine = await sellerAgain.request<Ticket[]>('GET', '/api/tickets?mine=true');
    const listings = mine.body.filter((ticket) => !ticket.title.startsWith('Race'));
    expect(Object.fromEntries(listings.map((ticket) => [ticket.title, ticket.status]))).toEqual({
      'Cancelled show': 'withdrawn',
      Theatre: 'sold',
      Opera: 'available',
      Concert: 'sold',
    });
  },
  SYSTEM_TEST_TIMEOUT_MS,
);

test('a service that fails while starting: one line naming it, and everything stopped', async () => {
  // Orders refuses a window of 0 s in its config; the other services start and are stopped again.
  const error = await start({ expirationWindowSeconds: 0 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StackStartError);
  expect(error).toMatchObject({ component: 'orders' });
  expect((error as Error).message).toMatch(
    /^orders exited with code 1 while starting: FATAL Invalid configuration: EXPIRATION_WINDOW_SECONDS: .+ \(see .+orders\.log\)$/,
  );
  expect((error as Error).message).not.toContain('\n');
  expect(await allFree(Object.values(infrastructurePorts))).toBe(true);
}, 90_000);
