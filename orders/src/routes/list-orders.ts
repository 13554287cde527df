import { paginationRules, requestedPage, requireAuth, sendPage, validateRequest } from '@ticketing/common';
import { Router } from 'express';
import type { QueryFilter } from 'mongoose';
import { Order, type OrderFields } from '../models/order';

/**
 * GET /api/orders: the caller's orders, newest first, as a plain array, one page at a time
 * (`limit`, `cursor`; the next page in `X-Next-Cursor` and `Link`), each with its ticket's title
 * and price as they were when ordered.
 */
export const listOrdersRouter = Router();

listOrdersRouter.get('/api/orders', requireAuth, ...paginationRules(), validateRequest, async (req, res) => {
  const page = requestedPage(req);
  const filter: QueryFilter<OrderFields> = { userId: req.currentUser!.id };
  if (page.beforeId) filter._id = { $lt: page.beforeId };
  const rows = await Order.find(filter)
    .sort({ _id: -1 })
    .limit(page.limit + 1);
  sendPage(req, res, rows, page);
});
