/**
 * The HTTP baselines: bare `node:http` or bare Express 5 serving the same JSON bodies as the
 * tickets service (`GET /api/tickets` and `GET /api/tickets/:id`), read from a file written by the
 * harness. Usage: baseline-server.ts http|express <bodies.json>; prints `port N` once listening.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

const [mode, bodiesFile] = process.argv.slice(2);
const bodies = JSON.parse(readFileSync(bodiesFile, 'utf8')) as { list: unknown; ticket: unknown };
const list = JSON.stringify(bodies.list);
const ticket = JSON.stringify(bodies.ticket);

function bareHttp(): Server {
  return createServer((req, res) => {
    const body = req.url?.startsWith('/api/tickets/') ? ticket : req.url?.startsWith('/api/tickets') ? list : undefined;
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  });
}

function bareExpress(): Server {
  const app = express();
  app.get('/api/tickets', (_req, res) => {
    res.json(bodies.list);
  });
  app.get('/api/tickets/:id', (_req, res) => {
    res.json(bodies.ticket);
  });
  return createServer(app);
}

const server = mode === 'express' ? bareExpress() : bareHttp();
server.listen(0, '127.0.0.1', () => console.log(`port ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
