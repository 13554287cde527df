import {
  createServiceApp,
  type JwtPublicKeys,
  type Logger,
  type Outbox,
  type ReadinessChecks,
  type RevocationList,
} from '@ticketing/common';
import type { Express } from 'express';
import { openApiDocument } from './openapi';
import { createTicketRouter } from './routes/create-ticket';
import { listTicketsRouter } from './routes/list-tickets';
import { showTicketRouter } from './routes/show-ticket';
import { updateTicketRouter } from './routes/update-ticket';
import { withdrawTicketRouter } from './routes/withdraw-ticket';

export interface TicketsAppOptions {
  logger: Logger;
  /** Auth's public keys, which verify session JWTs. */
  jwtPublicKeys: JwtPublicKeys;
  /** Signed-out sessions (see runService's `uses.revokedSessions`); tests without NATS pass none. */
  revokedSessions?: RevocationList;
  readinessChecks?: ReadinessChecks;
  /** Ticket changes and their events commit through it. */
  outbox: Outbox;
}

export function createApp(options: TicketsAppOptions): Express {
  return createServiceApp({
    logger: options.logger,
    jwtPublicKeys: options.jwtPublicKeys,
    revokedSessions: options.revokedSessions,
    readinessChecks: options.readinessChecks,
    openApi: { basePath: '/api/tickets', document: openApiDocument },
    routers: [
      listTicketsRouter,
      createTicketRouter(options.outbox),
      showTicketRouter,
      updateTicketRouter(options.outbox),
      withdrawTicketRouter(options.outbox),
    ],
  });
}
