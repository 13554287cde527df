import { requireAuth } from '@ticketing/common';
import { Router } from 'express';
import { Order } from '../models/order';
import type { TicketDoc } from '../models/ticket';

/** GET /api/orders: the caller's orders, oldest first, each with its ticket. */
export const listOrdersRouter = Router();

listOrdersRouter.get('/api/orders', requireAuth, async (req, res) => {
  const orders = await Order.find({ userId: req.currentUser!.id })
    .sort({ _id: 1 })
    .populate<{ ticket: TicketDoc }>('ticket');
  res.send(orders);
});
