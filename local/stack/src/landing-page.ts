import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROUTE_NOT_FOUND_MESSAGE, sendError } from './gateway';
import type { ServiceApi } from './services';

/**
 * What the gateway serves at /api (and at every path outside /api when the web client does not
 * run): a plain page listing the APIs with links to their interactive documentation, and pointing
 * to the mail sink's inbox when it runs.
 */
export function landingPage(
  apis: ServiceApi[],
  { clientRuns, mailInbox = false }: { clientRuns: boolean; mailInbox?: boolean },
): (req: IncomingMessage, res: ServerResponse) => void {
  const items = apis
    .map(
      ({ prefix, title }) =>
        `<li><code>${prefix}</code> — ${title}: <a href="${prefix}/docs">docs</a>, <a href="${prefix}/docs.json">OpenAPI JSON</a></li>`,
    )
    .join('\n');
  const client = clientRuns
    ? '<p>The web client is at <a href="/">/</a>; it calls these APIs, as you can.</p>'
    : '<p>The web client was not started (<code>--no-client</code> or <code>CLIENT=0</code>).</p>';
  const mail = mailInbox
    ? '<p>The email the system sends is caught by the local mail sink and delivered to nobody: read it in the inbox at <a href="/mail">/mail</a>, or as JSON at <a href="/mail/api/messages">/mail/api/messages</a> (<code>?to=address</code> for one recipient\'s).</p>'
    : '';
  // The empty icon keeps browsers from asking for /favicon.ico, which nothing serves (a 404 in the console).
  const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Ticketing APIs</title><link rel="icon" href="data:,"></head>
<body>
<h1>Ticketing APIs</h1>
${client}
${mail}
<p>Each API documents every route, field and answer, and serves its OpenAPI document:</p>
<ul>
${items}
</ul>
</body>
</html>
`;
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 404, ROUTE_NOT_FOUND_MESSAGE);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(page) });
    res.end(req.method === 'HEAD' ? undefined : page);
  };
}
