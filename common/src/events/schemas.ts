import { z } from 'zod';
import { InvalidEventError } from './errors';
import { characterCount } from '../validation/characters';
import { OBJECT_ID_PATTERN } from '../validation/object-id';
import { OrderCancelReason, OrderStatus, Subjects, TicketStatus } from './subjects';

const objectId = z.string().regex(OBJECT_ID_PATTERN, 'must be a 24-hex id');
const version = z.number().int().nonnegative();
// Money travels as a number of currency units; cents must be exact.
const price = z
  .number()
  .positive()
  .refine((value) => Number.isFinite(value) && Math.abs(value * 100 - Math.round(value * 100)) < 1e-6, {
    message: 'must have at most 2 decimals',
  });
const currency = z.string().regex(/^[a-z]{3}$/, 'must be a lowercase ISO currency code');
const timestamp = z.iso.datetime({ offset: true });

export const ticketCreatedSchema = z.object({
  id: objectId,
  version,
  title: z.string().min(1),
  price,
  userId: objectId,
  status: z.enum(TicketStatus),
});

export const ticketUpdatedSchema = ticketCreatedSchema.extend({
  /** The order holding the ticket: the reserving order, or the one that bought it. */
  orderId: objectId.optional(),
});

export const orderCreatedSchema = z.object({
  id: objectId,
  version,
  status: z.enum(OrderStatus),
  userId: objectId,
  expiresAt: timestamp,
  ticket: z.object({ id: objectId, price }),
});

export const orderCancelledSchema = z.object({
  id: objectId,
  version,
  reason: z.enum(OrderCancelReason),
  ticket: z.object({ id: objectId }),
});

export const orderCompletedSchema = z.object({
  id: objectId,
  version,
  userId: objectId,
  ticket: z.object({ id: objectId, title: z.string().min(1), price }),
});

export const expirationCompleteSchema = z.object({
  orderId: objectId,
});

export const paymentCreatedSchema = z.object({
  id: objectId,
  orderId: objectId,
  stripeId: z.string().min(1),
  /** What was charged, in currency units (like prices). */
  amount: price,
  currency,
  /** The card's brand and last four digits, when Stripe tells them. */
  card: z.object({ brand: z.string().min(1), last4: z.string().regex(/^\d{4}$/) }).optional(),
  createdAt: timestamp,
});

export const paymentRefundedSchema = z.object({
  id: objectId,
  orderId: objectId,
  stripeId: z.string().min(1),
  amount: price,
  currency,
  refundedAt: timestamp,
});

/** An account as auth made it; never its password nor its hash. */
export const userCreatedSchema = z.object({
  id: objectId,
  /** Trimmed and lower-cased by auth; at most 254 characters (code points), as sign-up takes it. */
  email: z
    .string()
    .regex(/^.+@[^@\s]+$/s, 'must be an email address')
    .refine((email) => characterCount(email) <= 254, { message: 'must be at most 254 characters' }),
  /** When the account was made. */
  createdAt: timestamp,
});

/** The one schema per subject that publishers and listeners both validate against. */
export const eventSchemas = {
  [Subjects.TicketCreated]: ticketCreatedSchema,
  [Subjects.TicketUpdated]: ticketUpdatedSchema,
  [Subjects.OrderCreated]: orderCreatedSchema,
  [Subjects.OrderCancelled]: orderCancelledSchema,
  [Subjects.OrderCompleted]: orderCompletedSchema,
  [Subjects.ExpirationComplete]: expirationCompleteSchema,
  [Subjects.PaymentCreated]: paymentCreatedSchema,
  [Subjects.PaymentRefunded]: paymentRefundedSchema,
  [Subjects.UserCreated]: userCreatedSchema,
} satisfies Record<Subjects, z.ZodType>;

export type EventData<S extends Subjects> = z.infer<(typeof eventSchemas)[S]>;

/** The event published on subject `S`: its subject and its validated data. */
export interface EventOf<S extends Subjects> {
  subject: S;
  data: EventData<S>;
}

export type TicketCreatedEvent = EventOf<Subjects.TicketCreated>;
export type TicketUpdatedEvent = EventOf<Subjects.TicketUpdated>;
export type OrderCreatedEvent = EventOf<Subjects.OrderCreated>;
export type OrderCancelledEvent = EventOf<Subjects.OrderCancelled>;
export type OrderCompletedEvent = EventOf<Subjects.OrderCompleted>;
export type ExpirationCompleteEvent = EventOf<Subjects.ExpirationComplete>;
export type PaymentCreatedEvent = EventOf<Subjects.PaymentCreated>;
export type PaymentRefundedEvent = EventOf<Subjects.PaymentRefunded>;
export type UserCreatedEvent = EventOf<Subjects.UserCreated>;

/** What every event type has in common; the constraint of `Publisher` and `Listener`. */
export interface BaseEvent {
  subject: Subjects;
  data: unknown;
}

export type TicketingEvent =
  | TicketCreatedEvent
  | TicketUpdatedEvent
  | OrderCreatedEvent
  | OrderCancelledEvent
  | OrderCompletedEvent
  | ExpirationCompleteEvent
  | PaymentCreatedEvent
  | PaymentRefundedEvent
  | UserCreatedEvent;

/** Validates `data` against the subject's schema; returns it with unknown fields dropped. */
export function parseEventData<S extends Subjects>(subject: S, data: unknown): EventData<S> {
  // Subjects can come from storage (the outbox), so an unknown one is possible at run time.
  const schema: z.ZodType | undefined = eventSchemas[subject];
  if (!schema) {
    throw new InvalidEventError(subject, [{ code: 'custom', path: [], message: 'unknown subject', input: data }]);
  }
  const result = schema.safeParse(data);
  if (!result.success) throw new InvalidEventError(subject, result.error.issues);
  return result.data as EventData<S>;
}
