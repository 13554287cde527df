import { NotFoundError, NotOwnerError, requireAuth, requireObjectIdParam } from '@ticketing/common';
import { Router } from 'express';
import { Payment, paymentJson } from '../models/payment';

/** GET /api/payments/:id: one of the caller's payments; 404 for unknown and malformed ids. */
export const showPaymentRouter = Router();

showPaymentRouter.get(
  '/api/payments/:id',
  requireAuth,
  requireObjectIdParam('id', 'Payment not found'),
  async (req, res) => {
    const payment = await Payment.findById(req.params.id);
    if (!payment) throw new NotFoundError('Payment not found');
    if (payment.userId !== req.currentUser!.id) throw new NotOwnerError('payment');
    res.json(paymentJson(payment));
  },
);
