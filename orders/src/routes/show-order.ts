import { ForbiddenError, NotFoundError, requireAuth, requireObjectIdParam } from '@ticketing/common';
import { Router } from 'express';
import { Order } from '../models/order';
import type { TicketDoc } from '../models/ticket';

/** GET /api/orders/:id: one of the caller's orders with its ticket. */
export const showOrderRouter = Router();

showOrderRouter.get('/api/orders/:id', requireAuth, requireObjectIdParam('id', 'Order not found'), async (req, res) => {
  const order = await Order.findById(req.params.id).populate<{ ticket: TicketDoc }>('ticket');
  if (!order) throw new NotFoundError('Order not found');
  if (!order.isOwnedBy(req.currentUser!.id)) throw new ForbiddenError('This order belongs to someone else');
  res.send(order);
});
