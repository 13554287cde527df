import mongoose, { Schema } from 'mongoose';

/**
 * A payment the orders service could not apply (its order was cancelled first, or is unknown).
 * The money was taken, so it is kept here for a refund instead of being dropped.
 */
interface UnmatchedPaymentFields {
  /** The payments service's payment id: one record per payment, however often it is delivered. */
  paymentId: string;
  orderId: string;
  stripeId: string;
  reason: 'order-cancelled' | 'order-not-found';
  createdAt: Date;
}

const unmatchedPaymentSchema = new Schema<UnmatchedPaymentFields>(
  {
    paymentId: { type: String, required: true, unique: true },
    orderId: { type: String, required: true },
    stripeId: { type: String, required: true },
    reason: { type: String, required: true, enum: ['order-cancelled', 'order-not-found'] },
    createdAt: { type: Date, required: true },
  },
  { collection: 'unmatched_payments', versionKey: false },
);

export const UnmatchedPayment = mongoose.model<UnmatchedPaymentFields>('UnmatchedPayment', unmatchedPaymentSchema);
