import { insertReplicaIfAbsent, TicketStatus } from '@ticketing/common';
import mongoose, { Schema, type HydratedDocument, type Model } from 'mongoose';

/** The orders service's copy of a ticket, kept up to date from ticket.created / ticket.updated. */
export interface TicketAttrs {
  id: string;
  title: string;
  price: number;
  userId: string;
  status: TicketStatus;
  version: number;
}

interface TicketFields {
  _id: mongoose.Types.ObjectId;
  title: string;
  price: number;
  /** The seller: nobody may order their own ticket. */
  userId: string;
  /** As the tickets service last said; a withdrawn ticket can no longer be ordered. */
  status: TicketStatus;
  /** When an order for it was last placed: written by each new order, see create-order. */
  lastOrderedAt?: Date;
  /** The tickets service's version of the ticket, not a version of this copy. */
  version: number;
}

interface TicketMethods {
  isOwnedBy(userId: string): boolean;
}

export type TicketDoc = HydratedDocument<TicketFields, TicketMethods>;

interface TicketModel extends Model<TicketFields, object, TicketMethods> {
  /** Inserts the copy unless it exists already (a redelivered ticket.created changes nothing). */
  insertIfNew(attrs: TicketAttrs): Promise<void>;
}

const ticketSchema = new Schema<TicketFields, TicketModel, TicketMethods>(
  {
    title: { type: String, required: true },
    price: { type: Number, required: true },
    userId: { type: String, required: true },
    status: { type: String, required: true, enum: Object.values(TicketStatus), default: TicketStatus.Available },
    lastOrderedAt: { type: Date },
    version: { type: Number, required: true },
  },
  {
    // The version comes from the tickets service's events (applyReplicaUpdate), never from saves here.
    versionKey: false,
    toJSON: {
      transform(_doc, ret: Record<string, unknown>) {
        return { id: String(ret._id), title: ret.title, price: ret.price, status: ret.status, version: ret.version };
      },
    },
  },
);

ticketSchema.method('isOwnedBy', function isOwnedBy(this: TicketDoc, userId: string): boolean {
  return this.userId === userId;
});

ticketSchema.static('insertIfNew', async function insertIfNew(attrs: TicketAttrs): Promise<void> {
  const { id, ...fields } = attrs;
  await insertReplicaIfAbsent(this, id, fields);
});

export const Ticket = mongoose.model<TicketFields, TicketModel>('Ticket', ticketSchema);
