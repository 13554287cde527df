import { errorResponse, errorsSchema, sessionCookieScheme, type OpenApiDocument } from '@ticketing/common';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_SEARCH_LENGTH } from './routes/list-tickets';
import { MAX_PRICE, MAX_TITLE_LENGTH } from './models/ticket';

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

export const openApiDocument: OpenApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'Ticketing — tickets service',
    version: '1.0.0',
    description:
      'Tickets for sale. Sign-in is the `session` cookie set by the auth service. Every change is published ' +
      'as ticket.created / ticket.updated; orders reserve and release tickets through order.created / order.cancelled.',
  },
  paths: {
    '/api/tickets': {
      get: {
        summary: 'Tickets for sale (not reserved), newest first',
        parameters: [
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
          },
          {
            name: 'cursor',
            in: 'query',
            schema: { type: 'string' },
            description: 'Opaque; the `X-Next-Cursor` of the previous page.',
          },
          {
            name: 'q',
            in: 'query',
            schema: { type: 'string', maxLength: MAX_SEARCH_LENGTH },
            description: 'Case-insensitive search in titles (plain text, not a pattern).',
          },
        ],
        responses: {
          200: {
            description: 'One page of tickets. When there is a next page, its cursor and URL are in the headers.',
            headers: {
              'X-Next-Cursor': { schema: { type: 'string' }, description: 'Cursor of the next page.' },
              Link: { schema: { type: 'string' }, description: '`<url of the next page>; rel="next"`' },
            },
            content: {
              'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Ticket' } } },
            },
          },
          400: errorResponse('Invalid limit, cursor or q'),
        },
      },
      post: {
        summary: 'Put a ticket up for sale',
        security: [{ session: [] }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/TicketInput' } } },
        },
        responses: {
          201: ticketResponse('The new ticket, version 0'),
          400: errorResponse('Invalid title or price'),
          401: errorResponse('Not signed in'),
        },
      },
    },
    '/api/tickets/{id}': {
      get: {
        summary: 'One ticket, reserved or not',
        parameters: [ticketIdParameter],
        responses: {
          200: ticketResponse('The ticket'),
          404: errorResponse('No such ticket'),
        },
      },
      put: {
        summary: "Change a ticket's title and price (owner only, not while reserved)",
        security: [{ session: [] }],
        parameters: [ticketIdParameter],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                allOf: [
                  { $ref: '#/components/schemas/TicketInput' },
                  {
                    type: 'object',
                    properties: {
                      version: {
                        type: 'integer',
                        minimum: 0,
                        description:
                          'The version the edit is based on. Without it, the version stored when the request arrives.',
                      },
                    },
                  },
                ],
              },
            },
          },
        },
        responses: {
          200: ticketResponse('The edited ticket, version bumped (unchanged if the edit changed nothing)'),
          400: errorResponse('Invalid input, or the ticket is reserved'),
          401: errorResponse('Not signed in'),
          403: errorResponse('Not the owner'),
          404: errorResponse('No such ticket'),
          409: errorResponse('The ticket changed since the version the edit is based on; reload and retry'),
        },
      },
    },
  },
  components: {
    securitySchemes: { session: sessionCookieScheme },
    schemas: {
      Ticket: {
        type: 'object',
        required: ['id', 'title', 'price', 'userId', 'version'],
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          price: { type: 'number', description: 'Currency units, at most two decimals' },
          userId: { type: 'string', description: 'The seller' },
          version: { type: 'integer', minimum: 0 },
          orderId: { type: 'string', description: 'The order reserving the ticket; absent when for sale' },
        },
      },
      TicketInput: {
        type: 'object',
        required: ['title', 'price'],
        properties: {
          title: { type: 'string', minLength: 1, maxLength: MAX_TITLE_LENGTH, description: 'Trimmed' },
          price: {
            oneOf: [{ type: 'number' }, { type: 'string', pattern: '^\\d+(\\.\\d{1,2})?$' }],
            description: `Greater than 0, at most ${MAX_PRICE}, at most two decimals`,
          },
        },
      },
      Errors: errorsSchema,
    },
  },
};
