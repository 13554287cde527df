import { OrderStatus, Subjects, type Outbox } from '@ticketing/common';
import mongoose, { Schema, type HydratedDocument } from 'mongoose';
import { Order } from './order';

/** A successful charge: one per Stripe PaymentIntent. */
export interface Payment {
  _id: mongoose.Types.ObjectId;
  orderId: string;
  /** The PaymentIntent id. */
  stripeId: string;
  /** In the currency's smallest unit, as Stripe counts it. */
  amount: number;
  currency: string;
  createdAt: Date;
}

export type PaymentDocument = HydratedDocument<Payment>;

const paymentSchema = new Schema<Payment>(
  {
    orderId: { type: String, required: true, index: true },
    stripeId: { type: String, required: true, unique: true },
    amount: { type: Number, required: true },
    currency: { type: String, required: true },
  },
  {
    versionKey: false,
    timestamps: { createdAt: true, updatedAt: false },
    toJSON: {
      transform(_doc, ret: Record<string, unknown>) {
        ret.id = String(ret._id);
        delete ret._id;
      },
    },
  },
);

export const Payment = mongoose.model<Payment>('Payment', paymentSchema);

export interface SucceededPaymentIntent {
  orderId: string;
  stripeId: string;
  amount: number;
  currency: string;
}

/**
 * Records a succeeded PaymentIntent: the payment, the order copy marked paid and
 * `payment.created`, all in one outbox transaction. Both the synchronous answer from Stripe
 * and the webhook come here; whichever is second finds the payment already recorded and
 * changes nothing (the unique stripeId settles a race between them).
 */
export async function recordPayment(outbox: Outbox, intent: SucceededPaymentIntent): Promise<PaymentDocument> {
  try {
    return await outbox.transaction(async (session, record) => {
      const existing = await Payment.findOne({ stripeId: intent.stripeId }).session(session);
      if (existing) return existing;
      const [payment] = await Payment.create([intent], { session });
      // A copy cancelled meanwhile stays cancelled: the orders service decides what happens to it.
      await Order.updateOne(
        { _id: intent.orderId, status: { $ne: OrderStatus.Cancelled } },
        { $set: { status: OrderStatus.Complete } },
        { session },
      );
      record(Subjects.PaymentCreated, { id: payment.id as string, orderId: intent.orderId, stripeId: intent.stripeId });
      return payment;
    });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    const existing = await Payment.findOne({ stripeId: intent.stripeId });
    if (!existing) throw err;
    return existing;
  }
}

function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
