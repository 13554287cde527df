import {
  BadRequestError,
  NotFoundError,
  OrderStatus,
  requireAuth,
  Subjects,
  validateRequest,
  type Outbox,
} from '@ticketing/common';
import { Router } from 'express';
import { body, matchedData } from 'express-validator';
import { isDuplicateKeyError, Order } from '../models/order';
import { Ticket, type TicketDoc } from '../models/ticket';

export interface CreateOrderDeps {
  outbox: Outbox;
  /** How long a new order reserves its ticket. */
  expirationWindowSeconds: number;
}

/** POST /api/orders `{ ticketId }`: reserves the ticket for the caller until `expiresAt`. */
export function createOrderRouter({ outbox, expirationWindowSeconds }: CreateOrderDeps): Router {
  const router = Router();
  router.post(
    '/api/orders',
    requireAuth,
    body('ticketId')
      .isString()
      .withMessage('ticketId must be a string')
      .bail()
      .isMongoId()
      .withMessage('ticketId must be a valid ticket id'),
    validateRequest,
    async (req, res) => {
      const { ticketId } = matchedData<{ ticketId: string }>(req);
      const userId = req.currentUser!.id;

      const ticket = await Ticket.findById(ticketId);
      if (!ticket) throw new NotFoundError('Ticket not found');
      if (ticket.isOwnedBy(userId)) throw new BadRequestError('You cannot order your own ticket');

      const expiresAt = new Date(Date.now() + expirationWindowSeconds * 1000);
      let order;
      try {
        order = await outbox.transaction(async (session, record) => {
          const [created] = await Order.create(
            [{ userId, status: OrderStatus.Created, expiresAt, ticket: ticket._id }],
            { session },
          );
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
        if (isDuplicateKeyError(err)) throw new BadRequestError('Ticket is already reserved');
        throw err;
      }

      const withTicket = await order.populate<{ ticket: TicketDoc }>('ticket');
      res.status(201).send(withTicket);
    },
  );
  return router;
}
