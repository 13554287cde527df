import { EVENT_STREAM_SUBJECTS } from './bus';
import { InvalidEventError } from './errors';
import { eventSchemas, parseEventData } from './schemas';
import { OrderCancelReason, OrderStatus, Subjects } from './subjects';

const id = () => '5f1f7c1e2b3a4c5d6e7f8a9b';

const validTicket = { id: id(), version: 0, title: 'concert', price: 20.5, userId: id(), status: 'available' };
const validOrder = {
  id: id(),
  version: 1,
  status: OrderStatus.Created,
  userId: id(),
  expiresAt: new Date().toISOString(),
  ticket: { id: id(), price: 10 },
};

describe('event schemas', () => {
  it('accepts well-formed events of every subject', () => {
    expect(parseEventData(Subjects.TicketCreated, validTicket)).toEqual(validTicket);
    expect(parseEventData(Subjects.TicketUpdated, validTicket)).toEqual(validTicket);
    expect(parseEventData(Subjects.TicketUpdated, { ...validTicket, orderId: id() }).orderId).toBe(id());
    expect(parseEventData(Subjects.OrderCreated, validOrder)).toEqual(validOrder);
    const cancelled = { id: id(), version: 2, reason: OrderCancelReason.Expired, ticket: { id: id() } };
    expect(parseEventData(Subjects.OrderCancelled, cancelled)).toEqual(cancelled);
    const completed = { id: id(), version: 1, userId: id(), ticket: { id: id(), title: 'Concert', price: 10 } };
    expect(parseEventData(Subjects.OrderCompleted, completed)).toEqual(completed);
    expect(parseEventData(Subjects.ExpirationComplete, { orderId: id() })).toEqual({ orderId: id() });
    const payment = {
      id: id(),
      orderId: id(),
      stripeId: 'pi_123',
      amount: 10.5,
      currency: 'usd',
      card: { brand: 'visa', last4: '4242' },
      createdAt: new Date().toISOString(),
    };
    expect(parseEventData(Subjects.PaymentCreated, payment)).toEqual(payment);
    const refund = {
      id: id(),
      orderId: id(),
      stripeId: 'pi_123',
      amount: 10.5,
      currency: 'usd',
      refundedAt: new Date().toISOString(),
    };
    expect(parseEventData(Subjects.PaymentRefunded, refund)).toEqual(refund);
    const user = { id: id(), email: 'alice@example.com', createdAt: new Date().toISOString() };
    expect(parseEventData(Subjects.UserCreated, user)).toEqual(user);
  });

  it('has a schema for every subject, each stored by the event stream', () => {
    expect(Object.keys(eventSchemas).sort()).toEqual(Object.values(Subjects).sort());
    for (const subject of Object.values(Subjects)) {
      const covered = EVENT_STREAM_SUBJECTS.some((pattern) => subject.startsWith(pattern.replace(/>$/, '')));
      expect([subject, covered]).toEqual([subject, true]);
    }
  });

  it('takes the addresses sign-up takes in user.created: 254 characters counted in code points', () => {
    const longest = `${'a'.repeat(20)}@${'\u{1F600}'.repeat(229)}.com`;
    const user = { id: id(), email: longest, createdAt: new Date().toISOString() };
    expect(parseEventData(Subjects.UserCreated, user).email).toBe(longest);
    expect(() => parseEventData(Subjects.UserCreated, { ...user, email: `a${longest}` })).toThrow(/email/);
  });

  it('never carries a password or its hash in user.created', () => {
    const user = { id: id(), email: 'alice@example.com', createdAt: new Date().toISOString() };
    expect(parseEventData(Subjects.UserCreated, { ...user, password: 'secret', passwordHash: '$argon2id$x' })).toEqual(
      user,
    );
  });

  it('drops fields the schema does not know', () => {
    expect(parseEventData(Subjects.ExpirationComplete, { orderId: id(), extra: 1 })).toEqual({ orderId: id() });
  });

  it.each([
    ['a malformed id', Subjects.TicketCreated, { ...validTicket, id: 'abc' }],
    ['a negative version', Subjects.TicketCreated, { ...validTicket, version: -1 }],
    ['a fractional version', Subjects.TicketCreated, { ...validTicket, version: 1.5 }],
    ['a zero price', Subjects.TicketCreated, { ...validTicket, price: 0 }],
    ['a price with 3 decimals', Subjects.TicketCreated, { ...validTicket, price: 10.005 }],
    ['a price given as a string', Subjects.TicketCreated, { ...validTicket, price: '10' }],
    ['a missing title', Subjects.TicketCreated, { ...validTicket, title: undefined }],
    ['a malformed orderId', Subjects.TicketUpdated, { ...validTicket, orderId: 'x' }],
    ['an unknown status', Subjects.OrderCreated, { ...validOrder, status: 'paid' }],
    ['a non-date expiresAt', Subjects.OrderCreated, { ...validOrder, expiresAt: 'tomorrow' }],
    ['a missing ticket price', Subjects.OrderCreated, { ...validOrder, ticket: { id: id() } }],
    ['an unknown ticket status', Subjects.TicketUpdated, { ...validTicket, status: 'lost' }],
    ['a missing ticket', Subjects.OrderCancelled, { id: id(), version: 0, reason: 'expired' }],
    ['a missing cancel reason', Subjects.OrderCancelled, { id: id(), version: 0, ticket: { id: id() } }],
    [
      'an unknown cancel reason',
      Subjects.OrderCancelled,
      { id: id(), version: 0, reason: 'bored', ticket: { id: id() } },
    ],
    ['an empty stripeId', Subjects.PaymentCreated, { id: id(), orderId: id(), stripeId: '' }],
    [
      'an amount with three decimals',
      Subjects.PaymentRefunded,
      {
        id: id(),
        orderId: id(),
        stripeId: 'pi_1',
        amount: 10.123,
        currency: 'usd',
        refundedAt: new Date().toISOString(),
      },
    ],
    [
      'an uppercase currency',
      Subjects.PaymentCreated,
      { id: id(), orderId: id(), stripeId: 'pi_1', amount: 10, currency: 'USD', createdAt: new Date().toISOString() },
    ],
    ['no object at all', Subjects.ExpirationComplete, 'order'],
    ['a user without email', Subjects.UserCreated, { id: id(), createdAt: new Date().toISOString() }],
    ['a user email without @', Subjects.UserCreated, { id: id(), email: 'alice', createdAt: new Date().toISOString() }],
    ['a user without createdAt', Subjects.UserCreated, { id: id(), email: 'alice@example.com' }],
    [
      'a user createdAt as a Date',
      Subjects.UserCreated,
      { id: id(), email: 'alice@example.com', createdAt: new Date() },
    ],
    ['a malformed user id', Subjects.UserCreated, { id: 'alice', email: 'a@b.c', createdAt: new Date().toISOString() }],
  ])('rejects %s', (_what, subject, data) => {
    expect(() => parseEventData(subject, data)).toThrow(InvalidEventError);
  });

  it('says which field is wrong', () => {
    expect(() => parseEventData(Subjects.TicketCreated, { ...validTicket, price: 1.234 })).toThrow(/price/);
  });

  it('rejects an unknown subject', () => {
    expect(() => parseEventData('ticket.deleted' as Subjects, {})).toThrow(/unknown subject/);
  });
});
