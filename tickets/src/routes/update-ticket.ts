import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  NotOwnerError,
  requireAuth,
  requireObjectIdParam,
  Subjects,
  validateRequest,
  type Outbox,
} from '@ticketing/common';
import { Router } from 'express';
import { body, matchedData } from 'express-validator';
import mongoose from 'mongoose';
import { Ticket } from '../models/ticket';
import { ticketInputRules } from '../ticket-input';

const EDIT_CONFLICT = 'The ticket was changed since you loaded it: reload it and try again';

interface TicketEdit {
  title: string;
  price: number;
  version?: number;
}

/**
 * PUT /api/tickets/:id: the owner changes title and price of a ticket for sale (not reserved,
 * sold or withdrawn); bumps its version and publishes ticket.updated.
 *
 * An edit applies to the version the caller saw: `version` in the body, or else the version
 * stored when the request arrived. If the ticket changed since, the edit is refused with 409
 * instead of overwriting the other change. The check runs inside the transaction, so it also
 * holds when the outbox retries the transaction after a write conflict.
 */
export function updateTicketRouter(outbox: Outbox): Router {
  const router = Router();
  router.put(
    '/api/tickets/:id',
    requireAuth,
    requireObjectIdParam('id', 'Ticket not found'),
    ...ticketInputRules,
    body('version')
      .optional()
      .custom((version) => Number.isSafeInteger(version) && version >= 0)
      .withMessage('Version must be the ticket version the edit is based on, a whole number from 0'),
    validateRequest,
    async (req, res) => {
      const { title, price, version } = matchedData<TicketEdit>(req);
      const ticketId = req.params.id as string;
      const userId = req.currentUser!.id;

      const baseVersion = version ?? (await Ticket.findById(ticketId, { version: 1 }).lean())?.version;
      if (baseVersion === undefined) throw new NotFoundError('Ticket not found');

      const ticket = await outbox
        .transaction(async (session, record) => {
          const ticket = await Ticket.findById(ticketId).session(session);
          if (!ticket) throw new NotFoundError('Ticket not found');
          if (ticket.userId !== userId) throw new NotOwnerError('ticket');
          const refusal = ticket.whyNotChangeable();
          if (refusal) throw new BadRequestError(refusal);
          if (ticket.version !== baseVersion) throw new ConflictError(EDIT_CONFLICT);

          ticket.set({ title, price });
          // Nothing changed: no new version, no event.
          if (!ticket.isModified()) return ticket;
          await ticket.save({ session });
          record(Subjects.TicketUpdated, ticket.eventData());
          return ticket;
        })
        .catch((err: unknown) => {
          // Optimistic concurrency: the ticket's version moved between the read and the write above.
          if (err instanceof mongoose.Error.VersionError) throw new ConflictError(EDIT_CONFLICT);
          throw err;
        });
      res.json(ticket);
    },
  );
  return router;
}
