import type { Request, Response } from 'express';
import { matchedData, query, type ValidationChain } from 'express-validator';
import { isObjectId } from '../validation/object-id';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

// The cursor is opaque to clients: the id of the last item of the previous page, base64url-encoded.
function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string | undefined {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return isObjectId(id) ? id.toLowerCase() : undefined;
}

/** `limit` and `cursor` of a paginated list, to put before `validateRequest`. */
export function paginationRules(): ValidationChain[] {
  return [
    // isString first: a repeated parameter arrives as an array, which the other checks would accept item by item.
    query('limit')
      .optional()
      .isString()
      .bail()
      .isInt({ min: 1, max: MAX_PAGE_SIZE })
      .withMessage(`Limit must be an integer from 1 to ${MAX_PAGE_SIZE}`)
      .toInt(),
    query('cursor')
      .optional()
      .isString()
      .bail()
      .custom((cursor: string) => decodeCursor(cursor) !== undefined)
      .withMessage('Cursor is not one this service gave out: use the X-Next-Cursor of the previous page'),
  ];
}

export interface RequestedPage {
  limit: number;
  /** Items of the page have ids below this one (newest first); absent for the first page. */
  beforeId?: string;
}

/** The page `paginationRules` validated. */
export function requestedPage(req: Request): RequestedPage {
  const { limit, cursor } = matchedData<{ limit?: number; cursor?: string }>(req, { locations: ['query'] });
  return { limit: limit ?? DEFAULT_PAGE_SIZE, beforeId: cursor === undefined ? undefined : decodeCursor(cursor) };
}

/**
 * Answers one page, newest first, as a plain JSON array. `rows` were fetched with `limit + 1`, so
 * that one extra row tells there is a next page: then its cursor goes in `X-Next-Cursor` and its
 * URL (the request's own query with the new cursor) in `Link: <...>; rel="next"`.
 */
export function sendPage(req: Request, res: Response, rows: { id: string }[], page: RequestedPage): void {
  const items = rows.slice(0, page.limit);
  if (rows.length > page.limit) {
    const cursor = encodeCursor(items[items.length - 1].id);
    const params = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    params.set('limit', String(page.limit));
    params.set('cursor', cursor);
    res.set('X-Next-Cursor', cursor);
    res.set('Link', `<${req.path}?${params.toString()}>; rel="next"`);
  }
  res.json(items);
}
