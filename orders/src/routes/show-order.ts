import { NotFoundError, NotOwnerError, requireAuth, requireObjectIdParam } from '@ticketing/common';
import { Router } from 'express';
import { Order } from '../models/order';

/** GET /api/orders/:id: one of the caller's orders, with its ticket, why it ended and its payment. */
export const showOrderRouter = Router();

showOrderRouter.get('/api/orders/:id', requireAuth, requireObjectIdParam('id', 'Order not found'), async (req, res) => {
  const order = await Order.findById(req.params.id);
  if (!order) throw new NotFoundError('Order not found');
  if (!order.isOwnedBy(req.currentUser!.id)) throw new NotOwnerError('order');
  res.json(order);
});
