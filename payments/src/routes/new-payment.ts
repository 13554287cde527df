import { BadRequestError, ForbiddenError, NotFoundError, requireAuth, validateRequest } from '@ticketing/common';
import { Router } from 'express';
import { body, header, matchedData } from 'express-validator';
import { chargeOrder, type ChargeDependencies } from '../charge-order';
import { Order } from '../models/order';

/** POST /api/payments { orderId, paymentMethod }: pays the caller's order. */
export function newPaymentRouter(deps: ChargeDependencies): Router {
  const router = Router();
  router.post(
    '/api/payments',
    requireAuth,
    body('orderId')
      .isString()
      .withMessage('orderId must be a string')
      .bail()
      .isMongoId()
      .withMessage('orderId must be a valid order id'),
    body('paymentMethod')
      .isString()
      .withMessage('paymentMethod must be a string')
      .bail()
      .matches(/^[A-Za-z0-9_]{1,255}$/)
      .withMessage('paymentMethod must be a payment method id, e.g. pm_card_visa'),
    header('idempotency-key')
      .optional()
      .isString()
      .bail()
      .matches(/^[\x21-\x7e]{1,255}$/)
      .withMessage('Idempotency-Key must be 1 to 255 visible ASCII characters'),
    validateRequest,
    async (req, res) => {
      const { orderId, paymentMethod } = matchedData(req, { locations: ['body'] }) as {
        orderId: string;
        paymentMethod: string;
      };
      const { 'idempotency-key': requestKey } = matchedData(req, { locations: ['headers'] }) as {
        'idempotency-key'?: string;
      };
      const userId = req.currentUser!.id;

      const order = await Order.findById(orderId);
      if (!order) throw new NotFoundError('Order not found');
      if (order.userId !== userId) throw new ForbiddenError('This order belongs to another user');
      if (order.isCancelled()) throw new BadRequestError('Cannot pay for a cancelled order');
      // With an Idempotency-Key this may be the retry of the request that paid it: Stripe knows.
      if (order.isPaid() && !requestKey) throw new BadRequestError('Order has already been paid');

      const outcome = await chargeOrder(deps, order, { paymentMethod, userId, requestKey });
      switch (outcome.kind) {
        case 'paid':
          res.status(201).json({ id: outcome.payment.id as string });
          return;
        case 'requires_action':
          res.status(202).json({
            status: 'requires_action',
            paymentIntentId: outcome.intent.id,
            clientSecret: outcome.intent.client_secret,
            nextAction: outcome.intent.next_action,
          });
          return;
        case 'processing':
          res.status(202).json({ status: 'processing', paymentIntentId: outcome.intent.id });
          return;
      }
    },
  );
  return router;
}
