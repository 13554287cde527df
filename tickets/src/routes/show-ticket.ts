import { NotFoundError, requireObjectIdParam } from '@ticketing/common';
import { Router } from 'express';
import { Ticket, toTicketJson, type StoredTicket } from '../models/ticket';

/** GET /api/tickets/:id: any ticket in any state; 404 for unknown and malformed ids. */
export const showTicketRouter = Router();

showTicketRouter.get('/api/tickets/:id', requireObjectIdParam('id', 'Ticket not found'), async (req, res) => {
  // Lean: read to be shown, never saved, so no document (and its change tracking) is built.
  const ticket = await Ticket.findById(req.params.id).lean<StoredTicket>();
  if (!ticket) throw new NotFoundError('Ticket not found');
  res.json(toTicketJson(ticket));
});
