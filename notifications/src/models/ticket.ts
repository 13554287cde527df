import mongoose, { Schema } from 'mongoose';

/** Notifications' copy of a ticket, kept from ticket.created / ticket.updated in version order. */
export interface Ticket {
  _id: mongoose.Types.ObjectId;
  /** The tickets service's version; only its events move it. */
  version: number;
  title: string;
  /** In currency units, at most two decimals. */
  price: number;
  /** The seller, who is told when it sells. */
  userId: string;
}

const ticketSchema = new Schema<Ticket>(
  {
    version: { type: Number, required: true },
    title: { type: String, required: true },
    price: { type: Number, required: true },
    userId: { type: String, required: true },
  },
  { versionKey: false },
);

export const Ticket = mongoose.model<Ticket>('Ticket', ticketSchema);
