import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml, htmlPage, notFoundPage, timeElement } from '../html';
import { sendHtml } from '../responses';
import type { StoredMessage } from '../stored-message';
import type { InboxContext } from './context';

/**
 * GET /mail/messages/:id: the headers, the HTML part rendered in a frame that may run nothing (an
 * empty `sandbox`: no scripts, no forms, no navigating this page) and the text part as it is.
 */
export async function messagePage(
  req: IncomingMessage,
  res: ServerResponse,
  context: InboxContext,
  id: string,
): Promise<void> {
  const message = await context.store.get(id);
  if (!message) {
    sendHtml(req, res, 404, notFoundPage(`There is no message with the id ${id}.`));
    return;
  }
  const subject = message.subject === '' ? '(no subject)' : message.subject;
  const page = htmlPage(
    `${subject} — local mail inbox`,
    `<p><a href="/mail">Back to the inbox</a></p>
<h1>${escapeHtml(subject)}</h1>
${headers(message)}
<h2>HTML part</h2>
${
  message.html === ''
    ? '<p>This message has no HTML part.</p>'
    : `<iframe sandbox="" title="The HTML part of the message" srcdoc="${escapeHtml(message.html)}"></iframe>`
}
<h2>Text part</h2>
${message.text === '' ? '<p>This message has no text part.</p>' : `<pre>${escapeHtml(message.text)}</pre>`}`,
  );
  sendHtml(req, res, 200, page);
}

function headers(message: StoredMessage): string {
  const rows: [string, string][] = [
    ['From', escapeHtml(message.from)],
    ['To', escapeHtml(message.to.join(', '))],
    ['Received', timeElement(message.receivedAt)],
    ['Message-ID', message.messageId === null ? '(none)' : escapeHtml(message.messageId)],
  ];
  return `<dl>
${rows.map(([name, value]) => `<dt>${name}</dt><dd>${value}</dd>`).join('\n')}
</dl>`;
}
