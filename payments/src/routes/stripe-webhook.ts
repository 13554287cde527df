import { BadRequestError, isObjectId, type BusLogger } from '@ticketing/common';
import express, { Router } from 'express';
import Stripe from 'stripe';
import { Order } from '../models/order';
import { recordPayment } from '../record-payment';
import { markPaymentRefunded } from '../refund-payment';
import type { PaymentDependencies } from '../stripe';

export interface StripeWebhookDependencies extends PaymentDependencies {
  webhookSecret: string;
}

/**
 * POST /api/payments/webhook: Stripe's events, trusted only with a valid signature over the
 * exact bytes received (hence the raw body). payment_intent.succeeded records the payment and
 * charge.refunded (a refund made in Stripe's dashboard, or our own) marks it refunded, each once
 * however often the event is delivered; other types are acknowledged and ignored.
 */
export function stripeWebhookRouter(deps: StripeWebhookDependencies): Router {
  const router = Router();
  router.post(
    '/api/payments/webhook',
    // Stripe sends its events uncompressed: a compressed body is refused (415), never inflated.
    express.raw({ type: 'application/json', limit: '1mb', inflate: false }),
    async (req, res) => {
      const signature = req.header('stripe-signature');
      if (!signature || !Buffer.isBuffer(req.body)) {
        throw new BadRequestError(
          'Stripe-Signature is required: only events signed by Stripe are accepted',
          'stripe-signature',
        );
      }
      let event: Stripe.Event;
      try {
        event = deps.stripe.webhooks.constructEvent(req.body, signature, deps.webhookSecret);
      } catch {
        throw new BadRequestError(
          'Stripe-Signature does not match the event: only events signed by Stripe are accepted',
          'stripe-signature',
        );
      }

      const log = req.log.child({ eventId: event.id, eventType: event.type });
      if (event.type === 'payment_intent.succeeded') await onPaymentIntentSucceeded(deps, event.data.object, log);
      if (event.type === 'charge.refunded') await onChargeRefunded(deps, event, log);
      res.status(200).json({ received: true });
    },
  );
  return router;
}

async function onPaymentIntentSucceeded(
  deps: PaymentDependencies,
  intent: Stripe.PaymentIntent,
  log: BusLogger,
): Promise<void> {
  const orderId = intent.metadata?.orderId;
  // A Stripe account can be shared (test mode, several environments): not our order, not our business.
  if (!isObjectId(orderId) || !(await Order.exists({ _id: orderId }))) {
    log.warn({ paymentIntentId: intent.id, orderId }, 'payment for an unknown order ignored');
    return;
  }
  const payment = await recordPayment(deps, orderId, intent);
  log.info({ paymentId: payment._id.toHexString(), orderId }, 'payment confirmed by webhook');
}

async function onChargeRefunded(
  deps: PaymentDependencies,
  event: Stripe.ChargeRefundedEvent,
  log: BusLogger,
): Promise<void> {
  const charge = event.data.object;
  // The payment is refunded only when all of it went back; a partial refund leaves it paid.
  if (!charge.refunded) {
    log.warn({ chargeId: charge.id, amountRefunded: charge.amount_refunded }, 'partial refund, the payment stays paid');
    return;
  }
  const paymentIntentId = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  // A charge made without a PaymentIntent was not made by this service.
  if (!paymentIntentId) return;
  const refunded = await markPaymentRefunded(
    deps.outbox,
    paymentIntentId,
    { refundedAt: new Date(event.created * 1000) },
    deps.metrics,
  );
  if (refunded) log.info({ paymentId: refunded._id.toHexString() }, 'payment refunded at Stripe');
}
