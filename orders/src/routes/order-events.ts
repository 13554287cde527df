import { NotFoundError, NotOwnerError, requireAuth, requireObjectIdParam, type LiveStreams } from '@ticketing/common';
import { Router } from 'express';
import { Order } from '../models/order';
import type { OrderStream, OrderUpdates } from '../order-updates';

export interface OrderEventsDeps {
  orderUpdates: OrderUpdates;
  liveStreams: LiveStreams;
}

/**
 * GET /api/orders/:id/events: one of the caller's orders as server-sent events. Each `order` event
 * carries the order as GET /api/orders/:id answers it: first as it is now, then after every change;
 * a `: keep-alive` comment comes at every keep-alive. Every connection starts with the current
 * order, so a client that reconnects has missed nothing and needs no Last-Event-ID.
 */
export function orderEventsRouter({ orderUpdates, liveStreams }: OrderEventsDeps): Router {
  const router = Router();
  router.get('/api/orders/:id/events', requireAuth, requireObjectIdParam('id', 'Order not found'), async (req, res) => {
    const order = await Order.findById(req.params.id);
    if (!order) throw new NotFoundError('Order not found');
    if (!order.isOwnedBy(req.currentUser!.id)) throw new NotOwnerError('order');

    res.status(200).set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      // ingress-nginx buffers proxied responses unless told not to, which would hold events back.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();

    // Shutdown ends the stream before its 'close' event, and a read of the order begun earlier can finish after it.
    const write = (chunk: string) => {
      if (!res.writableEnded) res.write(chunk);
    };
    let sent: { version: number; data: string } | undefined;
    const stream: OrderStream = {
      send(current) {
        const data = JSON.stringify(current);
        // Reads of the order can finish out of order: never go back to an older version.
        if (sent && (data === sent.data || current.version < sent.version)) return;
        sent = { version: current.version, data };
        write(`event: order\ndata: ${data}\n\n`);
      },
      keepAlive() {
        write(': keep-alive\n\n');
      },
    };
    const stopWatching = orderUpdates.watch(order.id, stream);
    const unregister = liveStreams.add(res);
    res.once('close', () => {
      stopWatching();
      unregister();
    });
    stream.send(order);
  });
  return router;
}
