import {
  annotateLogs,
  BadRequestError,
  idField,
  isDuplicateKeyError,
  NotFoundError,
  OrderStatus,
  requireAuth,
  Subjects,
  TicketStatus,
  validateRequest,
  type Outbox,
} from '@ticketing/common';
import { Router } from 'express';
import { matchedData } from 'express-validator';
import { Order } from '../models/order';
import { Ticket, type TicketDoc } from '../models/ticket';

export interface CreateOrderDeps {
  outbox: Outbox;
  /** How long a new order reserves its ticket. */
  expirationWindowSeconds: number;
}

const WITHDRAWN_MESSAGE = 'This ticket was withdrawn by its seller: it can no longer be ordered';
const RESERVED_MESSAGE = 'This ticket is reserved by another order: try again later';
const SOLD_MESSAGE = 'This ticket is already sold';

/** Why `ticket` cannot be ordered by `userId` (checked before the reservation itself), or undefined. */
function whyNotOrderable(ticket: TicketDoc, userId: string): string | undefined {
  if (ticket.isOwnedBy(userId)) return 'You cannot order your own ticket';
  if (ticket.status === TicketStatus.Withdrawn) return WITHDRAWN_MESSAGE;
  if (ticket.status === TicketStatus.Sold) return SOLD_MESSAGE;
  return undefined;
}

/**
 * POST /api/orders `{ ticketId }`: reserves the ticket for the caller until `expiresAt`, at the
 * ticket's current title and price, which the order keeps.
 */
export function createOrderRouter({ outbox, expirationWindowSeconds }: CreateOrderDeps): Router {
  const router = Router();
  router.post('/api/orders', requireAuth, idField('ticketId', 'Ticket id'), validateRequest, async (req, res) => {
    const { ticketId } = matchedData<{ ticketId: string }>(req);
    const userId = req.currentUser!.id;

    // When a ticket is sought after, most buyers find it reserved or sold: this one indexed read
    // answers them, without reading the ticket or starting a transaction. The unique index below
    // still decides every race this read cannot see.
    const holder = await Order.holderOf(ticketId);
    if (holder) {
      throw new BadRequestError(holder.status === OrderStatus.Complete ? SOLD_MESSAGE : RESERVED_MESSAGE, 'ticketId');
    }
    const ticket = await Ticket.findById(ticketId);
    if (!ticket) throw new NotFoundError('Ticket not found');
    const refusal = whyNotOrderable(ticket, userId);
    if (refusal) throw new BadRequestError(refusal, 'ticketId');

    const expiresAt = new Date(Date.now() + expirationWindowSeconds * 1000);
    let order;
    try {
      order = await outbox.transaction(async (session, record) => {
        const [created] = await Order.create(
          [
            {
              userId,
              status: OrderStatus.Created,
              expiresAt,
              ticket: ticket._id,
              ticketTitle: ticket.title,
              ticketVersion: ticket.version,
              price: ticket.price,
            },
          ],
          { session },
        );
        // Writing the copy makes this order and a withdrawal applied at the same moment conflict: either
        // the withdrawal is seen here and the order refused, or the order is committed before the
        // withdrawal's listener looks for the ticket's live orders, and it cancels this one.
        const stillOrderable = await Ticket.updateOne(
          { _id: ticket._id, status: { $ne: TicketStatus.Withdrawn } },
          { $set: { lastOrderedAt: new Date() } },
          { session },
        );
        if (stillOrderable.matchedCount === 0) throw new BadRequestError(WITHDRAWN_MESSAGE, 'ticketId');
        record(Subjects.OrderCreated, {
          id: created.id,
          version: created.version,
          status: created.status,
          userId,
          expiresAt: expiresAt.toISOString(),
          ticket: { id: ticket.id, price: ticket.price },
        });
        return created;
      });
    } catch (err) {
      // The unique index on reserving orders is the reservation check: it holds under any concurrency.
      if (isDuplicateKeyError(err)) {
        throw new BadRequestError(RESERVED_MESSAGE, 'ticketId');
      }
      throw err;
    }
    // The response's log line says which order: `npm start -- --follow <orderId>` starts from it.
    annotateLogs({ orderId: order.id as string });
    res.status(201).json(order);
  });
  return router;
}
