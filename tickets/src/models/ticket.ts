import type { TicketUpdatedEvent } from '@ticketing/common';
import mongoose, { Schema, type HydratedDocument, type Model } from 'mongoose';

export const MAX_TITLE_LENGTH = 200;
/** Highest price a ticket may ask, in currency units. */
export const MAX_PRICE = 1_000_000;

export interface TicketFields {
  title: string;
  /** In currency units with at most two decimals (validated on input). */
  price: number;
  userId: string;
  /** The order holding the ticket; absent while the ticket is for sale. */
  orderId?: string;
  /**
   * Orders whose cancellation this service has handled. A cancelled order never reserves the
   * ticket again, even when its order.created is redelivered (or arrives) after the cancellation.
   */
  cancelledOrderIds: string[];
  /** Bumped by every save (optimistic concurrency); the version carried by the ticket's events. */
  version: number;
}

export interface TicketMethods {
  isReserved(): boolean;
  /** True when an event of this order was already applied to the ticket. */
  hasHandledOrder(orderId: string): boolean;
  /** The payload of ticket.created / ticket.updated describing the ticket as it is now. */
  eventData(): TicketUpdatedEvent['data'];
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no query helpers
export type TicketModel = Model<TicketFields, {}, TicketMethods>;
export type TicketDocument = HydratedDocument<TicketFields, TicketMethods>;

/** The API shape of a ticket: `{ id, title, price, userId, version, orderId? }`. */
export interface TicketJson {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
  orderId?: string;
}

function toTicketJson(ticket: TicketFields & { _id: mongoose.Types.ObjectId }): TicketJson {
  return {
    id: ticket._id.toHexString(),
    title: ticket.title,
    price: ticket.price,
    userId: ticket.userId,
    version: ticket.version,
    ...(ticket.orderId ? { orderId: ticket.orderId } : {}),
  };
}

const ticketSchema = new Schema<TicketFields, TicketModel, TicketMethods>(
  {
    title: { type: String, required: true, maxlength: MAX_TITLE_LENGTH },
    price: { type: Number, required: true, min: 0, max: MAX_PRICE },
    userId: { type: String, required: true },
    orderId: { type: String },
    cancelledOrderIds: { type: [String], default: [] },
  },
  {
    versionKey: 'version',
    optimisticConcurrency: true,
    toJSON: {
      transform: (_doc, ret) => toTicketJson(ret as unknown as TicketFields & { _id: mongoose.Types.ObjectId }),
    },
  },
);

// The list: tickets for sale, newest first, paged by _id.
ticketSchema.index({ orderId: 1, _id: -1 });

ticketSchema.methods.isReserved = function (this: TicketDocument): boolean {
  return Boolean(this.orderId);
};

ticketSchema.methods.hasHandledOrder = function (this: TicketDocument, orderId: string): boolean {
  return this.orderId === orderId || this.cancelledOrderIds.includes(orderId);
};

ticketSchema.methods.eventData = function (this: TicketDocument): TicketUpdatedEvent['data'] {
  return toTicketJson(this);
};

export const Ticket = mongoose.model<TicketFields, TicketModel>('Ticket', ticketSchema);
