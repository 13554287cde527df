import { OrderStatus } from '@ticketing/common';
import mongoose, { Schema, type HydratedDocument, type Model } from 'mongoose';
import { toCents } from '../money';

/** Payments' copy of an order, kept from order.created / order.cancelled. */
export interface Order {
  _id: mongoose.Types.ObjectId;
  /** The orders service's version; only events move it (the copy never bumps it itself). */
  version: number;
  userId: string;
  /** In currency units, at most two decimals. */
  price: number;
  status: OrderStatus;
  /** Past this the orders service cancels the order, so it is no longer paid. */
  expiresAt: Date;
  /** The one PaymentIntent used for every attempt to pay this order. */
  paymentIntentId: string | null;
  /** Advances after a declined attempt, so the next attempt gets a new idempotency key. */
  paymentAttempt: number;
}

interface OrderMethods {
  isCancelled(): boolean;
  isPaid(): boolean;
  isExpired(now: Date): boolean;
  /** The price in cents, the integer amount Stripe charges. */
  amountInCents(): number;
}

export type OrderDocument = HydratedDocument<Order, OrderMethods>;
type OrderModel = Model<Order, object, OrderMethods>;

const orderSchema = new Schema<Order, OrderModel, OrderMethods>(
  {
    version: { type: Number, required: true },
    userId: { type: String, required: true },
    price: { type: Number, required: true },
    status: { type: String, enum: Object.values(OrderStatus), required: true },
    expiresAt: { type: Date, required: true },
    paymentIntentId: { type: String, default: null },
    paymentAttempt: { type: Number, default: 0 },
  },
  { versionKey: false },
);

orderSchema.methods.isCancelled = function (this: OrderDocument) {
  return this.status === OrderStatus.Cancelled;
};

orderSchema.methods.isPaid = function (this: OrderDocument) {
  return this.status === OrderStatus.Complete;
};

orderSchema.methods.isExpired = function (this: OrderDocument, now: Date) {
  return this.expiresAt.getTime() <= now.getTime();
};

orderSchema.methods.amountInCents = function (this: OrderDocument) {
  return toCents(this.price);
};

export const Order = mongoose.model<Order, OrderModel>('Order', orderSchema);
