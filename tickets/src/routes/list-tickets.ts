import { validateRequest } from '@ticketing/common';
import { Router, type Request } from 'express';
import { matchedData, query } from 'express-validator';
import type { QueryFilter } from 'mongoose';
import { Ticket, type TicketFields } from '../models/ticket';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const MAX_SEARCH_LENGTH = 200;

// The cursor is opaque to clients: the id of the last ticket of the previous page, base64url-encoded.
function encodeCursor(ticketId: string): string {
  return Buffer.from(ticketId, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string | undefined {
  const ticketId = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^[0-9a-f]{24}$/.test(ticketId) ? ticketId : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface ListQuery {
  limit?: number;
  cursor?: string;
  q?: string;
}

function nextPageLink(req: Request, listQuery: ListQuery, cursor: string): string {
  const params = new URLSearchParams({ limit: String(listQuery.limit ?? DEFAULT_PAGE_SIZE) });
  if (listQuery.q) params.set('q', listQuery.q);
  params.set('cursor', cursor);
  return `${req.path}?${params.toString()}`;
}

/**
 * GET /api/tickets: the tickets for sale (not reserved), newest first, as a plain array (the
 * course's contract). `limit` (default 20, at most 100), `cursor` from the previous page and
 * `q`, a case-insensitive search in titles. When there is a next page its cursor is in
 * `X-Next-Cursor` and its URL in `Link: <...>; rel="next"`.
 */
export const listTicketsRouter = Router();

listTicketsRouter.get(
  '/api/tickets',
  // isString first: a repeated parameter arrives as an array, which the other checks would accept item by item.
  query('limit')
    .optional()
    .isString()
    .bail()
    .isInt({ min: 1, max: MAX_PAGE_SIZE })
    .withMessage(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`)
    .toInt(),
  query('cursor')
    .optional()
    .isString()
    .bail()
    .custom((cursor: string) => decodeCursor(cursor) !== undefined)
    .withMessage('cursor is not one this service gave out'),
  query('q')
    .optional()
    .isString()
    .bail()
    .trim()
    .isLength({ max: MAX_SEARCH_LENGTH })
    .withMessage(`q must be at most ${MAX_SEARCH_LENGTH} characters`),
  validateRequest,
  async (req, res) => {
    const listQuery = matchedData<ListQuery>(req);
    const limit = listQuery.limit ?? DEFAULT_PAGE_SIZE;
    const filter: QueryFilter<TicketFields> = { orderId: null };
    if (listQuery.cursor) filter._id = { $lt: decodeCursor(listQuery.cursor) };
    if (listQuery.q) filter.title = { $regex: escapeRegExp(listQuery.q), $options: 'i' };

    // One more than asked tells whether there is a next page.
    const tickets = await Ticket.find(filter)
      .sort({ _id: -1 })
      .limit(limit + 1);
    const page = tickets.slice(0, limit);
    if (tickets.length > limit) {
      const cursor = encodeCursor(page[page.length - 1].id as string);
      res.set('X-Next-Cursor', cursor);
      res.set('Link', `<${nextPageLink(req, listQuery, cursor)}>; rel="next"`);
    }
    res.send(page);
  },
);
