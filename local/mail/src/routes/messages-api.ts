import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAddress, isSentTo } from '../recipients';
import { sendJson, sendJsonErrors } from '../responses';
import type { InboxContext } from './context';

/**
 * GET /mail/api/messages[?to=address]: `{ messages }`, newest first, only those sent to `to` (any
 * case) when it is given. Any other query parameter, or a `to` that is not one address, is a 400.
 */
export async function messagesApi(
  req: IncomingMessage,
  res: ServerResponse,
  context: InboxContext,
  query: URLSearchParams,
): Promise<void> {
  for (const name of new Set(query.keys())) {
    if (name !== 'to') {
      sendJsonErrors(req, res, 400, [{ message: `Unknown field ${name}: remove it from the request`, field: name }]);
      return;
    }
  }
  const to = query.getAll('to');
  if (to.length > 1) {
    sendJsonErrors(req, res, 400, [{ message: 'To must be given once', field: 'to' }]);
    return;
  }
  if (to.length === 1 && !isAddress(to[0])) {
    sendJsonErrors(req, res, 400, [{ message: 'To must be an email address', field: 'to' }]);
    return;
  }
  const messages = await context.store.list();
  sendJson(req, res, 200, { messages: to.length === 1 ? messages.filter((m) => isSentTo(m, to[0])) : messages });
}
