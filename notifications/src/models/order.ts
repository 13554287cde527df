import mongoose, { Schema } from 'mongoose';

/**
 * Notifications' copy of an order, from order.created: who bought which ticket at what price. None of
 * these ever change, so later order events do not update it (they carry what changes themselves).
 */
export interface Order {
  _id: mongoose.Types.ObjectId;
  /** The orders service's version when the copy was made. */
  version: number;
  /** The buyer. */
  userId: string;
  ticketId: string;
  /** What the buyer pays, in currency units. */
  price: number;
}

const orderSchema = new Schema<Order>(
  {
    version: { type: Number, required: true },
    userId: { type: String, required: true },
    ticketId: { type: String, required: true },
    price: { type: Number, required: true },
  },
  { versionKey: false },
);

export const Order = mongoose.model<Order>('Order', orderSchema);
