import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROUTE_NOT_FOUND_MESSAGE, sendError } from './gateway';
import type { ServiceApi } from './services';

/**
 * What the gateway serves for every path outside the APIs until the client exists: a plain
 * page listing the APIs with links to their interactive documentation.
 */
export function landingPage(apis: ServiceApi[]): (req: IncomingMessage, res: ServerResponse) => void {
  const items = apis
    .map(
      ({ prefix, title }) =>
        `<li><code>${prefix}</code> — ${title}: <a href="${prefix}/docs">docs</a>, <a href="${prefix}/docs.json">OpenAPI JSON</a></li>`,
    )
    .join('\n');
  const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Ticketing</title></head>
<body>
<h1>Ticketing</h1>
<p>The web client is not part of this stack yet. These APIs are served here:</p>
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
