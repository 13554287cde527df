import { BadRequestError, type Outbox } from '@ticketing/common';
import express, { Router } from 'express';
import Stripe from 'stripe';
import { Order } from '../models/order';
import { recordPayment } from '../models/payment';

export interface StripeWebhookDependencies {
  stripe: Stripe;
  outbox: Outbox;
  webhookSecret: string;
}

/**
 * POST /api/payments/webhook: Stripe's events, trusted only with a valid signature over the
 * exact bytes received (hence the raw body). payment_intent.succeeded records the payment,
 * once however often it is delivered; other types are acknowledged and ignored.
 */
export function stripeWebhookRouter(deps: StripeWebhookDependencies): Router {
  const router = Router();
  router.post('/api/payments/webhook', express.raw({ type: 'application/json', limit: '1mb' }), async (req, res) => {
    const signature = req.header('stripe-signature');
    if (!signature || !Buffer.isBuffer(req.body)) throw new BadRequestError('Missing Stripe signature');
    let event: Stripe.Event;
    try {
      event = deps.stripe.webhooks.constructEvent(req.body, signature, deps.webhookSecret);
    } catch {
      throw new BadRequestError('Invalid Stripe signature');
    }

    if (event.type === 'payment_intent.succeeded') {
      const intent = event.data.object;
      const orderId = intent.metadata?.orderId;
      // A Stripe account can be shared (test mode, several environments): not our order, not our business.
      if (!orderId || !/^[0-9a-f]{24}$/i.test(orderId) || !(await Order.exists({ _id: orderId }))) {
        req.log.warn(
          { eventId: event.id, paymentIntentId: intent.id, orderId },
          'payment for an unknown order ignored',
        );
      } else {
        const payment = await recordPayment(deps.outbox, {
          orderId,
          stripeId: intent.id,
          amount: intent.amount_received,
          currency: intent.currency,
        });
        req.log.info({ eventId: event.id, paymentId: payment.id as string, orderId }, 'payment confirmed by webhook');
      }
    }
    res.status(200).json({ received: true });
  });
  return router;
}
