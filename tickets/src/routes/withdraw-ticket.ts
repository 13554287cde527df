import {
  BadRequestError,
  NotFoundError,
  NotOwnerError,
  requireAuth,
  requireObjectIdParam,
  Subjects,
  TicketStatus,
  validateRequest,
  type Outbox,
} from '@ticketing/common';
import { Router } from 'express';
import { Ticket } from '../models/ticket';

/**
 * DELETE /api/tickets/:id: the seller takes a ticket off sale for good; 204, also when it was
 * withdrawn already. A reserved or sold ticket cannot be withdrawn (400 with the reason). The
 * withdrawal is published as ticket.updated, which is how orders learns to refuse new orders.
 */
export function withdrawTicketRouter(outbox: Outbox): Router {
  const router = Router();
  router.delete(
    '/api/tickets/:id',
    requireAuth,
    requireObjectIdParam('id', 'Ticket not found'),
    validateRequest,
    async (req, res) => {
      await outbox.transaction(async (session, record) => {
        const ticket = await Ticket.findById(req.params.id).session(session);
        if (!ticket) throw new NotFoundError('Ticket not found');
        if (ticket.userId !== req.currentUser!.id) throw new NotOwnerError('ticket');
        if (ticket.status === TicketStatus.Withdrawn) return;
        const refusal = ticket.whyNotChangeable();
        if (refusal) throw new BadRequestError(refusal);

        ticket.set({ status: TicketStatus.Withdrawn });
        await ticket.save({ session });
        record(Subjects.TicketUpdated, ticket.eventData());
      });
      res.status(204).end();
    },
  );
  return router;
}
