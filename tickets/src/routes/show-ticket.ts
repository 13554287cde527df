import { NotFoundError, requireObjectIdParam } from '@ticketing/common';
import { Router } from 'express';
import { Ticket } from '../models/ticket';

/** GET /api/tickets/:id: any ticket in any state; 404 for unknown and malformed ids. */
export const showTicketRouter = Router();

showTicketRouter.get('/api/tickets/:id', requireObjectIdParam('id', 'Ticket not found'), async (req, res) => {
  const ticket = await Ticket.findById(req.params.id);
  if (!ticket) throw new NotFoundError('Ticket not found');
  res.json(ticket);
});
