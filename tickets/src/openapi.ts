import {
  apiInfo,
  bodyErrorResponses,
  errorResponse,
  errorsSchema,
  forbiddenResponse,
  jsonRequestBody,
  notSignedInResponse,
  pageResponse,
  paginationParameters,
  sessionCookieScheme,
  TicketStatus,
  type OpenApiDocument,
} from '@ticketing/common';
import { MAX_PRICE, MAX_TITLE_LENGTH } from './models/ticket';
import { MAX_SEARCH_LENGTH } from './routes/list-tickets';

const ticketResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Ticket' } } },
});

const ticketIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[0-9a-fA-F]{24}$' },
  description: 'Ticket id; a malformed id is answered like an unknown one (404).',
};

const ticketInputProperties = {
  title: {
    type: 'string',
    minLength: 1,
    maxLength: MAX_TITLE_LENGTH,
    description:
      `Stored in Unicode NFC and trimmed; at most ${MAX_TITLE_LENGTH} characters (an emoji counts as one). One line ` +
      'with at least one visible character: control characters (line breaks, tabs, NUL) and direction overrides ' +
      '(U+202A–U+202E, U+2066–U+2069) are refused.',
  },
  price: {
    oneOf: [{ type: 'number' }, { type: 'string', pattern: '^\\d+(\\.\\d{1,2})?$' }],
    description: `Currency units, greater than 0, at most ${MAX_PRICE}, at most two decimals`,
  },
};

export const openApiDocument: OpenApiDocument = {
  openapi: '3.0.3',
  info: apiInfo(
    'Tickets',
    'Tickets people list for sale. A ticket is `available` (for sale), `reserved` (held by one order until ' +
      '`reservedUntil`), `sold` (its order was paid; final) or `withdrawn` by its seller (final). Sign-in is the ' +
      '`session` cookie set by the auth service. Every change is published as ticket.created / ticket.updated; ' +
      'orders reserve, release and buy tickets through order.created / order.cancelled / order.completed.',
  ),
  paths: {
    '/api/tickets': {
      get: {
        summary: 'Tickets for sale, or your own listings',
        description:
          'Without `mine`: the tickets for sale (status `available`). With `mine=true`: the caller’s own listings in ' +
          'every state (needs the session cookie).',
        security: [{}, { session: [] }],
        parameters: [
          ...paginationParameters,
          {
            name: 'q',
            in: 'query',
            schema: { type: 'string', maxLength: MAX_SEARCH_LENGTH },
            description: 'Case-insensitive search in titles (plain text, not a pattern).',
          },
          {
            name: 'mine',
            in: 'query',
            schema: { type: 'boolean', default: false },
            description: 'List the caller’s own tickets, whatever their status.',
          },
        ],
        responses: {
          200: pageResponse('One page of tickets', { $ref: '#/components/schemas/Ticket' }),
          400: errorResponse('Invalid limit, cursor, q or mine'),
          ...notSignedInResponse,
        },
      },
      post: {
        summary: 'Put a ticket up for sale',
        security: [{ session: [] }],
        requestBody: jsonRequestBody({
          type: 'object',
          additionalProperties: false,
          required: ['title', 'price'],
          properties: ticketInputProperties,
        }),
        responses: {
          201: ticketResponse('The new ticket: version 0, available'),
          ...bodyErrorResponses('Invalid title or price'),
          ...notSignedInResponse,
        },
      },
    },
    '/api/tickets/{id}': {
      get: {
        summary: 'One ticket, in any state',
        parameters: [ticketIdParameter],
        responses: {
          200: ticketResponse('The ticket'),
          404: errorResponse('No such ticket'),
        },
      },
      put: {
        summary: 'Change a ticket’s title and price (its seller only, while it is for sale)',
        security: [{ session: [] }],
        parameters: [ticketIdParameter],
        requestBody: jsonRequestBody({
          type: 'object',
          additionalProperties: false,
          required: ['title', 'price'],
          properties: {
            ...ticketInputProperties,
            version: {
              type: 'integer',
              minimum: 0,
              description: 'The version the edit is based on. Without it, the version stored when the request arrives.',
            },
          },
        }),
        responses: {
          200: ticketResponse('The edited ticket, version bumped (unchanged if the edit changed nothing)'),
          ...bodyErrorResponses('Invalid title, price or version, or the ticket is reserved, sold or withdrawn'),
          ...notSignedInResponse,
          ...forbiddenResponse('The ticket belongs to another user'),
          404: errorResponse('No such ticket'),
          409: errorResponse('The ticket changed since the version the edit is based on; reload and retry'),
        },
      },
      delete: {
        summary: 'Withdraw a ticket from sale (its seller only)',
        description:
          'Final: a withdrawn ticket can no longer be ordered or changed. Withdrawing a withdrawn ticket again ' +
          'changes nothing. A reserved or sold ticket cannot be withdrawn.',
        security: [{ session: [] }],
        parameters: [ticketIdParameter],
        responses: {
          204: { description: 'The ticket is withdrawn' },
          400: errorResponse('The ticket is reserved or sold (the message says which), or the request had a body'),
          ...notSignedInResponse,
          ...forbiddenResponse('The ticket belongs to another user'),
          404: errorResponse('No such ticket'),
          413: errorResponse('The request body is too large'),
          415: errorResponse('The body is not JSON'),
        },
      },
    },
  },
  components: {
    securitySchemes: { session: sessionCookieScheme },
    schemas: {
      Ticket: {
        type: 'object',
        required: ['id', 'title', 'price', 'userId', 'version', 'status'],
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          price: { type: 'number', description: 'Currency units, at most two decimals' },
          userId: { type: 'string', description: 'The seller' },
          version: { type: 'integer', minimum: 0, description: 'Grows with every change' },
          status: { type: 'string', enum: Object.values(TicketStatus) },
          orderId: {
            type: 'string',
            description: 'The order holding the ticket: the reserving one while reserved, the paid one once sold',
          },
          reservedUntil: {
            type: 'string',
            format: 'date-time',
            description: 'While reserved: when the reserving order expires unless paid',
          },
          createdAt: { type: 'string', format: 'date-time', description: 'When it was listed' },
        },
      },
      Errors: errorsSchema,
    },
  },
};
