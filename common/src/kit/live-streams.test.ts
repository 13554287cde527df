import { createServer, get, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LiveStreams } from './live-streams';

/**
 * A server whose every response is a stream registered with `liveStreams` (and unregistered at once
 * for `/?unregister`); `responses` are the server's side of them, in the order they came.
 */
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function streamServer(liveStreams: LiveStreams): Promise<{ server: Server; responses: ServerResponse[] }> {
  const responses: ServerResponse[] = [];
  const server = createServer((req, res) => {
    responses.push(res);
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write(': open\n\n');
    const unregister = liveStreams.add(res);
    if (req.url === '/?unregister') unregister();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, responses };
}

interface StreamClient {
  /** What the server sent so far. */
  body: () => string;
  ended: Promise<void>;
}

/** Opens a stream and resolves once its first chunk has arrived. */
function openStream(server: Server, path = '/'): Promise<StreamClient> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      const ended = new Promise<void>((resolveEnd) => response.once('end', resolveEnd));
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.once('data', () => resolve({ body: () => body, ended }));
    }).once('error', reject);
  });
}

describe('LiveStreams', () => {
  it('closeAll ends every open stream, and leaves alone one that was unregistered', async () => {
    const liveStreams = new LiveStreams();
    const { server, responses } = await streamServer(liveStreams);
    const first = await openStream(server);
    const second = await openStream(server);
    await openStream(server, '/?unregister');

    liveStreams.closeAll();

    expect(responses.map((res) => res.writableEnded)).toEqual([true, true, false]);
    await Promise.all([first.ended, second.ended]);
    expect(first.body()).toBe(': open\n\n');
  });

  it('ends a stream added after closeAll at once', async () => {
    const liveStreams = new LiveStreams();
    const { server } = await streamServer(liveStreams);
    liveStreams.closeAll();

    const late = await openStream(server);

    await late.ended;
    expect(late.body()).toBe(': open\n\n');
  });
});
