import { characterCount, TicketStatus, type TicketUpdatedEvent } from '@ticketing/common';
import mongoose, { Schema, type HydratedDocument, type Model } from 'mongoose';

export const MAX_TITLE_LENGTH = 200;
/** Highest price a ticket may ask, in currency units. */
export const MAX_PRICE = 1_000_000;

export interface TicketFields {
  title: string;
  /** In currency units with at most two decimals (validated on input). */
  price: number;
  userId: string;
  status: TicketStatus;
  /** The order holding the ticket: the reserving order while reserved, the paid one once sold. */
  orderId?: string;
  /** When the reserving order expires, as the order said. */
  reservedUntil?: Date;
  /**
   * Orders this service knows are over without buying the ticket. Such an order never reserves
   * the ticket, even when its order.created is redelivered (or arrives) after the cancellation.
   */
  cancelledOrderIds: string[];
  /** Bumped by every save (optimistic concurrency); the version carried by the ticket's events. */
  version: number;
  createdAt: Date;
}

export interface TicketMethods {
  /** True when an event of this order was already applied to the ticket. */
  hasHandledOrder(orderId: string): boolean;
  /** Why the seller can no longer edit or withdraw the ticket; undefined while it is for sale. */
  whyNotChangeable(): string | undefined;
  /** Puts the ticket on hold for `orderId` until `expiresAt`. */
  reserve(orderId: string, expiresAt: Date): void;
  /** Ends the hold of `orderId`, which will never hold the ticket again. */
  release(orderId: string): void;
  /** Marks the ticket sold to `orderId`, ending any hold of another order. */
  sell(orderId: string): void;
  /** The payload of ticket.created / ticket.updated describing the ticket as it is now. */
  eventData(): TicketUpdatedEvent['data'];
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no query helpers
export type TicketModel = Model<TicketFields, {}, TicketMethods>;
export type TicketDocument = HydratedDocument<TicketFields, TicketMethods>;

/** The API shape of a ticket; the course's `{ id, title, price, userId, version, orderId? }` plus its state. */
export interface TicketJson {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
  status: TicketStatus;
  orderId?: string;
  reservedUntil?: string;
  createdAt?: string;
}

/** A ticket as stored: what a lean read returns. */
export type StoredTicket = TicketFields & { _id: mongoose.Types.ObjectId };

function toEventData(ticket: StoredTicket): TicketUpdatedEvent['data'] {
  return {
    id: ticket._id.toHexString(),
    title: ticket.title,
    price: ticket.price,
    userId: ticket.userId,
    version: ticket.version,
    status: ticket.status,
    ...(ticket.orderId ? { orderId: ticket.orderId } : {}),
  };
}

/** What the API shows of a ticket: a document's toJSON, and what the read routes send from lean reads. */
export function toTicketJson(ticket: StoredTicket): TicketJson {
  return {
    ...toEventData(ticket),
    ...(ticket.reservedUntil ? { reservedUntil: ticket.reservedUntil.toISOString() } : {}),
    ...(ticket.createdAt ? { createdAt: ticket.createdAt.toISOString() } : {}),
  };
}

const ticketSchema = new Schema<TicketFields, TicketModel, TicketMethods>(
  {
    title: {
      type: String,
      required: true,
      // Counted as the input check counts, so a title the route accepted is never refused here.
      validate: {
        validator: (title: string) => characterCount(title) <= MAX_TITLE_LENGTH,
        message: `title is longer than ${MAX_TITLE_LENGTH} characters`,
      },
    },
    price: { type: Number, required: true, min: 0, max: MAX_PRICE },
    userId: { type: String, required: true },
    status: { type: String, required: true, enum: Object.values(TicketStatus), default: TicketStatus.Available },
    orderId: { type: String },
    reservedUntil: { type: Date },
    cancelledOrderIds: { type: [String], default: [] },
  },
  {
    versionKey: 'version',
    optimisticConcurrency: true,
    timestamps: { createdAt: true, updatedAt: false },
    toJSON: { transform: (_doc, ret) => toTicketJson(ret as unknown as StoredTicket) },
  },
);

// The list: tickets for sale, newest first, paged by _id.
ticketSchema.index({ status: 1, _id: -1 });
// A seller's own listings, newest first.
ticketSchema.index({ userId: 1, _id: -1 });

ticketSchema.methods.hasHandledOrder = function (this: TicketDocument, orderId: string): boolean {
  return this.orderId === orderId || this.cancelledOrderIds.includes(orderId);
};

ticketSchema.methods.whyNotChangeable = function (this: TicketDocument): string | undefined {
  switch (this.status) {
    case TicketStatus.Reserved:
      return 'This ticket is reserved by an order: you can change it again if the order ends without payment';
    case TicketStatus.Sold:
      return 'This ticket is sold: it can no longer be changed';
    case TicketStatus.Withdrawn:
      return 'This ticket was withdrawn: it can no longer be changed';
    default:
      return undefined;
  }
};

ticketSchema.methods.reserve = function (this: TicketDocument, orderId: string, expiresAt: Date): void {
  this.set({ status: TicketStatus.Reserved, orderId, reservedUntil: expiresAt });
};

ticketSchema.methods.release = function (this: TicketDocument, orderId: string): void {
  this.set({ status: TicketStatus.Available, orderId: undefined, reservedUntil: undefined });
  this.cancelledOrderIds.push(orderId);
};

ticketSchema.methods.sell = function (this: TicketDocument, orderId: string): void {
  // Orders allows one reserving order per ticket, so an order that was paid ended any other hold.
  if (this.orderId && this.orderId !== orderId) this.cancelledOrderIds.push(this.orderId);
  this.set({ status: TicketStatus.Sold, orderId, reservedUntil: undefined });
};

ticketSchema.methods.eventData = function (this: TicketDocument): TicketUpdatedEvent['data'] {
  return toEventData(this);
};

export const Ticket = mongoose.model<TicketFields, TicketModel>('Ticket', ticketSchema);
