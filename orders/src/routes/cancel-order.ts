import {
  BadRequestError,
  NotFoundError,
  NotOwnerError,
  OrderCancelReason,
  OrderStatus,
  requireAuth,
  requireObjectIdParam,
  validateRequest,
  type Outbox,
} from '@ticketing/common';
import { Router } from 'express';
import { Order } from '../models/order';

const COMPLETE_MESSAGE = 'This order is paid: a paid order cannot be cancelled';

/** DELETE /api/orders/:id: the owner cancels the order, freeing the ticket; cancelling twice is harmless. */
export function cancelOrderRouter({ outbox }: { outbox: Outbox }): Router {
  const router = Router();
  router.delete(
    '/api/orders/:id',
    requireAuth,
    requireObjectIdParam('id', 'Order not found'),
    validateRequest,
    async (req, res) => {
      const order = await Order.findById(req.params.id);
      if (!order) throw new NotFoundError('Order not found');
      if (!order.isOwnedBy(req.currentUser!.id)) throw new NotOwnerError('order');
      if (order.status === OrderStatus.Complete) throw new BadRequestError(COMPLETE_MESSAGE);

      // The order may have been paid since it was read; cancel() decides on the current status.
      const outcome = await Order.cancel(outbox, order.id, OrderCancelReason.RequestedByBuyer);
      if (outcome === 'complete') throw new BadRequestError(COMPLETE_MESSAGE);
      res.status(204).end();
    },
  );
  return router;
}
