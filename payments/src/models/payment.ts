import { PaymentStatus, type PaymentCreatedEvent, type PaymentRefundedEvent } from '@ticketing/common';
import mongoose, { Schema, type HydratedDocument } from 'mongoose';
import { toUnits } from '../money';

/** The card a payment was made with, as Stripe tells it. */
export interface Card {
  brand: string;
  last4: string;
}

/** A successful charge: one per Stripe PaymentIntent. */
export interface Payment {
  _id: mongoose.Types.ObjectId;
  orderId: string;
  /** The buyer, owner of the order. */
  userId: string;
  /** The PaymentIntent id. */
  stripeId: string;
  /** In cents, as Stripe counts it. */
  amount: number;
  currency: string;
  status: PaymentStatus;
  card?: Card;
  /**
   * The order is cancelled while this payment still holds the buyer's money: it must be refunded.
   * Cleared when it is; the refund sweep retries those that Stripe could not refund yet.
   */
  refundDue: boolean;
  refundedAt?: Date;
  /** The Stripe Refund, when this service made it (a refund made in Stripe's dashboard comes without it). */
  refundId?: string;
  createdAt: Date;
}

export type PaymentDocument = HydratedDocument<Payment>;

const paymentSchema = new Schema<Payment>(
  {
    orderId: { type: String, required: true, index: true },
    userId: { type: String, required: true },
    stripeId: { type: String, required: true, unique: true },
    amount: { type: Number, required: true },
    currency: { type: String, required: true },
    status: { type: String, enum: Object.values(PaymentStatus), required: true },
    card: {
      type: new Schema<Card>(
        { brand: { type: String, required: true }, last4: { type: String, required: true } },
        { _id: false },
      ),
      required: false,
    },
    refundDue: { type: Boolean, required: true, default: false },
    refundedAt: { type: Date, required: false },
    refundId: { type: String, required: false },
  },
  { versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);
// A user's payments newest first (GET /api/payments), and the few payments due a refund (the sweep).
paymentSchema.index({ userId: 1, _id: -1 });
paymentSchema.index({ refundDue: 1 });

export const Payment = mongoose.model<Payment>('Payment', paymentSchema);

/** A payment as the API answers it: amounts in currency units, like prices. */
export interface PaymentJson {
  id: string;
  orderId: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  card?: Card;
  createdAt: string;
  refundedAt?: string;
}

export function paymentJson(payment: PaymentDocument): PaymentJson {
  return {
    id: payment._id.toHexString(),
    orderId: payment.orderId,
    amount: toUnits(payment.amount),
    currency: payment.currency,
    status: payment.status,
    ...(payment.card ? { card: { brand: payment.card.brand, last4: payment.card.last4 } } : {}),
    createdAt: payment.createdAt.toISOString(),
    ...(payment.refundedAt ? { refundedAt: payment.refundedAt.toISOString() } : {}),
  };
}

export function paymentCreatedData(payment: PaymentDocument): PaymentCreatedEvent['data'] {
  const { id, orderId, amount, currency, card, createdAt } = paymentJson(payment);
  return { id, orderId, stripeId: payment.stripeId, amount, currency, ...(card ? { card } : {}), createdAt };
}

export function paymentRefundedData(payment: PaymentDocument, refundedAt: Date): PaymentRefundedEvent['data'] {
  const { id, orderId, amount, currency } = paymentJson(payment);
  return { id, orderId, stripeId: payment.stripeId, amount, currency, refundedAt: refundedAt.toISOString() };
}
