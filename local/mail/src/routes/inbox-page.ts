import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml, htmlPage, timeElement } from '../html';
import { sendHtml } from '../responses';
import type { StoredMessage } from '../stored-message';
import type { InboxContext } from './context';

/** The page stays quick to load however much mail a load test sent; the JSON listing has all of it. */
export const INBOX_PAGE_LIMIT = 200;

/** GET /mail: the newest messages, each with its time, recipients and subject linking to it. */
export async function inboxPage(req: IncomingMessage, res: ServerResponse, context: InboxContext): Promise<void> {
  const messages = await context.store.list();
  const shown = messages.slice(0, INBOX_PAGE_LIMIT);
  const count =
    messages.length > shown.length
      ? `The newest ${shown.length} of ${messages.length} messages`
      : `${messages.length} ${messages.length === 1 ? 'message' : 'messages'}`;
  const list =
    messages.length === 0
      ? '<p>No messages yet.</p>'
      : `<table>
<caption>${count}, newest first</caption>
<thead><tr><th scope="col">Received</th><th scope="col">To</th><th scope="col">Subject</th></tr></thead>
<tbody>
${shown.map(row).join('\n')}
</tbody>
</table>`;
  const page = htmlPage(
    'Local mail inbox',
    `<h1>Local mail inbox</h1>
<p>Every message sent to <code>${escapeHtml(context.smtpUrl)}</code> is kept here and delivered to nobody.
The same as JSON: <a href="/mail/api/messages">/mail/api/messages</a> (filter by recipient with <code>?to=address</code>).</p>
${list}`,
  );
  sendHtml(req, res, 200, page);
}

function row(message: StoredMessage): string {
  const subject = message.subject === '' ? '(no subject)' : message.subject;
  return `<tr><td>${timeElement(message.receivedAt)}</td><td>${escapeHtml(message.to.join(', '))}</td><td><a href="/mail/messages/${encodeURIComponent(message.id)}">${escapeHtml(subject)}</a></td></tr>`;
}
