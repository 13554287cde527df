import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml, htmlPage, notFoundPage } from './html';
import { sendHtml, sendJsonErrors } from './responses';
import type { InboxContext } from './routes/context';
import { inboxPage } from './routes/inbox-page';
import { messagePage } from './routes/message-page';
import { messagesApi } from './routes/messages-api';

/** Where the inbox lives: the gateway hands the sink this path and every path below it. */
export const INBOX_PATH = '/mail';
const API_PATH = `${INBOX_PATH}/api`;
const MESSAGE_PATH = new RegExp(`^${INBOX_PATH}/messages/([^/]+)$`);
const ALLOWED_METHODS = 'GET, HEAD';
/** Worded as the services word it (requestMessages.routeNotFound of @ticketing/common). */
const ROUTE_NOT_FOUND_MESSAGE = 'No such route: check the method and the path';
const INTERNAL_ERROR_MESSAGE = 'Something went wrong on our side; try again later';

type Route = { kind: 'inbox' } | { kind: 'message'; id: string } | { kind: 'api' };

/**
 * Answers /mail (the inbox page), /mail/messages/:id (one message) and /mail/api/messages (the
 * JSON listing). Anything else is a 404, a method other than GET or HEAD a 405: as an HTML page,
 * or in the API's JSON error format under /mail/api.
 */
export function inboxHandler(
  context: InboxContext,
  log: (message: string) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://mail-sink');
    const isApi = url.pathname === API_PATH || url.pathname.startsWith(`${API_PATH}/`);
    answer(req, res, context, url, isApi).catch((error: Error) => {
      log(`${req.method} ${req.url} failed: ${error.stack ?? error.message}`);
      if (res.headersSent) res.destroy();
      else if (isApi) sendJsonErrors(req, res, 500, [{ message: INTERNAL_ERROR_MESSAGE }]);
      else
        sendHtml(req, res, 500, htmlPage('Error — local mail inbox', `<h1>Error</h1><p>${INTERNAL_ERROR_MESSAGE}</p>`));
    });
  };
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  context: InboxContext,
  url: URL,
  isApi: boolean,
): Promise<void> {
  const route = routeOf(url.pathname);
  if (!route) {
    if (isApi) sendJsonErrors(req, res, 404, [{ message: ROUTE_NOT_FOUND_MESSAGE }]);
    else sendHtml(req, res, 404, notFoundPage(`Nothing is at ${url.pathname}.`));
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const message = `The inbox is read-only: ${req.method} is not allowed here, only GET`;
    const headers = { Allow: ALLOWED_METHODS };
    if (isApi) sendJsonErrors(req, res, 405, [{ message }], headers);
    else
      sendHtml(
        req,
        res,
        405,
        htmlPage('Method not allowed — local mail inbox', `<h1>Method not allowed</h1><p>${escapeHtml(message)}</p>`),
        headers,
      );
    return;
  }
  switch (route.kind) {
    case 'inbox':
      return inboxPage(req, res, context);
    case 'message':
      return messagePage(req, res, context, route.id);
    case 'api':
      return messagesApi(req, res, context, url.searchParams);
  }
}

function routeOf(pathname: string): Route | undefined {
  if (pathname === INBOX_PATH || pathname === `${INBOX_PATH}/`) return { kind: 'inbox' };
  if (pathname === `${API_PATH}/messages`) return { kind: 'api' };
  const message = MESSAGE_PATH.exec(pathname);
  // Not decoded: an id is plain letters, digits and dashes, so an encoded one is no id anyway.
  if (message) return { kind: 'message', id: message[1] };
  return undefined;
}
