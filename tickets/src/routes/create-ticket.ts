import { requireAuth, Subjects, validateRequest, type Outbox } from '@ticketing/common';
import { Router } from 'express';
import { matchedData } from 'express-validator';
import { Ticket } from '../models/ticket';
import { ticketInputRules } from '../ticket-input';

/** POST /api/tickets: a signed-in user puts a ticket up for sale; publishes ticket.created. */
export function createTicketRouter(outbox: Outbox): Router {
  const router = Router();
  router.post('/api/tickets', requireAuth, ...ticketInputRules, validateRequest, async (req, res) => {
    const { title, price } = matchedData<{ title: string; price: number }>(req);
    const ticket = await outbox.transaction(async (session, record) => {
      const ticket = new Ticket({ title, price, userId: req.currentUser!.id });
      await ticket.save({ session });
      record(Subjects.TicketCreated, ticket.eventData());
      return ticket;
    });
    res.status(201).json(ticket);
  });
  return router;
}
