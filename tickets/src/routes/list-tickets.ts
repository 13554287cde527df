import {
  NotAuthorizedError,
  paginationRules,
  requestedPage,
  sendPage,
  textQuery,
  TicketStatus,
  validateRequest,
} from '@ticketing/common';
import { Router } from 'express';
import { matchedData, query } from 'express-validator';
import type { QueryFilter } from 'mongoose';
import { Ticket, toTicketJson, type StoredTicket, type TicketFields } from '../models/ticket';

export const MAX_SEARCH_LENGTH = 200;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * GET /api/tickets: the tickets for sale, newest first, as a plain array (the course's contract),
 * one page at a time (`limit`, `cursor`; the next page in `X-Next-Cursor` and `Link`). `q` searches
 * titles, case-insensitively. `mine=true` lists the caller's own listings instead, in every state.
 */
export const listTicketsRouter = Router();

listTicketsRouter.get(
  '/api/tickets',
  ...paginationRules(),
  textQuery('q', 'Search text', MAX_SEARCH_LENGTH),
  query('mine')
    .optional()
    .isIn(['true', 'false'])
    .withMessage('The mine parameter must be true or false')
    .bail()
    .toBoolean(true),
  validateRequest,
  async (req, res) => {
    const { q, mine } = matchedData<{ q?: string; mine?: boolean }>(req, { locations: ['query'] });
    const page = requestedPage(req);
    const filter: QueryFilter<TicketFields> = {};
    if (mine) {
      if (!req.currentUser) throw new NotAuthorizedError();
      filter.userId = req.currentUser.id;
    } else {
      filter.status = TicketStatus.Available;
    }
    if (page.beforeId) filter._id = { $lt: page.beforeId };
    if (q) filter.title = { $regex: escapeRegExp(q), $options: 'i' };

    const rows = await Ticket.find(filter)
      .sort({ _id: -1 })
      .limit(page.limit + 1)
      .lean<StoredTicket[]>();
    sendPage(req, res, rows.map(toTicketJson), page);
  },
);
