import { isDuplicateKeyError, OrderStatus, PaymentStatus, Subjects } from '@ticketing/common';
import type Stripe from 'stripe';
import { Order } from './models/order';
import { Payment, paymentCreatedData, type Card, type PaymentDocument } from './models/payment';
import { refundNowOrLater } from './refund-payment';
import type { PaymentDependencies } from './stripe';

/**
 * Records a succeeded PaymentIntent of order `orderId` (whose copy must exist): the payment with
 * its card, the order copy marked paid and `payment.created`, all in one outbox transaction. Both
 * the synchronous answer from Stripe and the webhook come here; whichever is second finds the
 * payment already recorded and changes nothing (the unique stripeId settles a race between them).
 * A payment landing on an order cancelled meanwhile is due a refund, made right away if Stripe answers.
 */
export async function recordPayment(
  deps: PaymentDependencies,
  orderId: string,
  intent: Stripe.PaymentIntent,
): Promise<PaymentDocument> {
  const payment = (await Payment.findOne({ stripeId: intent.id })) ?? (await insertPayment(deps, orderId, intent));
  if (payment.refundDue) await refundNowOrLater(deps, payment);
  return payment;
}

async function insertPayment(
  deps: PaymentDependencies,
  orderId: string,
  intent: Stripe.PaymentIntent,
): Promise<PaymentDocument> {
  const card = await cardOf(deps, intent);
  try {
    return await deps.outbox.transaction(async (session, record) => {
      const existing = await Payment.findOne({ stripeId: intent.id }).session(session);
      if (existing) return existing;
      // Marking the copy paid writes to it, so a cancellation committing meanwhile conflicts with this
      // transaction and one of them is retried: a payment never misses that its order was cancelled.
      const markedPaid = await Order.findOneAndUpdate(
        { _id: orderId, status: { $ne: OrderStatus.Cancelled } },
        { $set: { status: OrderStatus.Complete } },
        { session, returnDocument: 'after' },
      );
      const order = markedPaid ?? (await Order.findById(orderId).session(session).orFail());
      const [payment] = await Payment.create(
        [
          {
            orderId,
            userId: order.userId,
            stripeId: intent.id,
            amount: intent.amount_received,
            currency: intent.currency,
            status: PaymentStatus.Succeeded,
            ...(card ? { card } : {}),
            refundDue: !markedPaid,
          },
        ],
        { session },
      );
      record(Subjects.PaymentCreated, paymentCreatedData(payment));
      return payment;
    });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    const existing = await Payment.findOne({ stripeId: intent.id });
    if (!existing) throw err;
    return existing;
  }
}

/**
 * The card the intent was paid with, from its latest charge: expanded already when it comes from
 * a confirmation, retrieved when it comes from a webhook. Without it when Stripe cannot tell now:
 * the payment is recorded all the same.
 */
async function cardOf(deps: PaymentDependencies, intent: Stripe.PaymentIntent): Promise<Card | undefined> {
  let charge = intent.latest_charge;
  if (typeof charge === 'string') {
    try {
      charge = await deps.stripe.charges.retrieve(charge);
    } catch (err) {
      deps.logger.warn({ err, paymentIntentId: intent.id }, 'card details unavailable, payment recorded without them');
      return undefined;
    }
  }
  const card = charge?.payment_method_details?.card;
  return card?.brand && card.last4 ? { brand: card.brand, last4: card.last4 } : undefined;
}
