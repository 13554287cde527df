import {
  fieldMessages,
  isObjectId,
  paginationRules,
  requestedPage,
  requireAuth,
  sendPage,
  validateRequest,
} from '@ticketing/common';
import { Router } from 'express';
import { matchedData, query } from 'express-validator';
import type { QueryFilter } from 'mongoose';
import { Payment, paymentJson } from '../models/payment';

/** GET /api/payments[?orderId=]: the caller's payments, newest first, one page at a time. */
export const listPaymentsRouter = Router();

listPaymentsRouter.get(
  '/api/payments',
  requireAuth,
  ...paginationRules(),
  query('orderId')
    .optional()
    .isString()
    .withMessage(fieldMessages.mustBeString('Order id'))
    .bail()
    .custom(isObjectId)
    .withMessage(fieldMessages.invalidId('Order id')),
  validateRequest,
  async (req, res) => {
    const page = requestedPage(req);
    const { orderId } = matchedData<{ orderId?: string }>(req, { locations: ['query'] });
    const filter: QueryFilter<Payment> = { userId: req.currentUser!.id };
    if (orderId) filter.orderId = orderId.toLowerCase();
    if (page.beforeId) filter._id = { $lt: page.beforeId };
    // One more than asked tells whether there is a next page.
    const payments = await Payment.find(filter)
      .sort({ _id: -1 })
      .limit(page.limit + 1);
    sendPage(req, res, payments.map(paymentJson), page);
  },
);
