import {
  annotateLogs,
  fieldMessages,
  idField,
  NotFoundError,
  NotOwnerError,
  requireAuth,
  validateRequest,
} from '@ticketing/common';
import { Router } from 'express';
import { body, header, matchedData } from 'express-validator';
import { chargeOrder, type ChargeDependencies } from '../charge-order';
import { Order } from '../models/order';
import { paymentJson } from '../models/payment';

/** POST /api/payments { orderId, paymentMethod }: pays the caller's order. */
export function newPaymentRouter(deps: ChargeDependencies): Router {
  const router = Router();
  router.post(
    '/api/payments',
    requireAuth,
    idField('orderId', 'Order id'),
    body('paymentMethod')
      .exists({ values: 'null' })
      .withMessage(fieldMessages.required('Payment method'))
      .bail()
      .isString()
      .withMessage(fieldMessages.mustBeString('Payment method'))
      .bail()
      .matches(/^[A-Za-z0-9_]{1,255}$/)
      .withMessage('Payment method must be a payment method id such as pm_card_visa'),
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
      // Every line of the payment, down to the response's, says which order it pays.
      annotateLogs({ orderId });

      const order = await Order.findById(orderId);
      if (!order) throw new NotFoundError('Order not found');
      if (order.userId !== userId) throw new NotOwnerError('order');

      const outcome = await chargeOrder(deps, order, { paymentMethod, userId, requestKey });
      switch (outcome.kind) {
        case 'paid':
          res.status(201).json(paymentJson(outcome.payment));
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
