import { errorResponse, errorsSchema, sessionCookieScheme, type OpenApiDocument } from '@ticketing/common';

const orderIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Order id (24 hex digits; anything else is 404)',
  schema: { type: 'string', pattern: '^[0-9a-fA-F]{24}$' },
};

const orderResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } },
});

/** The orders service's API, served at /api/orders/docs. */
export const ordersOpenApi: OpenApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'Ticketing orders service',
    version: '1.0.0',
    description:
      'Buyers reserve a ticket with an order that expires unless paid. All routes need the `session` cookie set by the auth service.',
  },
  paths: {
    '/api/orders': {
      post: {
        summary: 'Reserve a ticket',
        description:
          'Creates an order in status `created` that reserves the ticket until `expiresAt`. At most one order per ticket can be created, awaiting payment or complete.',
        security: [{ session: [] }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['ticketId'],
                properties: { ticketId: { type: 'string', pattern: '^[0-9a-fA-F]{24}$' } },
              },
            },
          },
        },
        responses: {
          '201': orderResponse('The order, with its ticket'),
          '400': errorResponse('Invalid input, the ticket is already reserved, or it is the caller’s own ticket'),
          '401': errorResponse('Not signed in'),
          '404': errorResponse('No such ticket'),
        },
      },
      get: {
        summary: 'The caller’s orders',
        security: [{ session: [] }],
        responses: {
          '200': {
            description: 'The caller’s orders, oldest first, each with its ticket',
            content: {
              'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Order' } } },
            },
          },
          '401': errorResponse('Not signed in'),
        },
      },
    },
    '/api/orders/{id}': {
      get: {
        summary: 'One of the caller’s orders',
        security: [{ session: [] }],
        parameters: [orderIdParameter],
        responses: {
          '200': orderResponse('The order, with its ticket'),
          '401': errorResponse('Not signed in'),
          '403': errorResponse('The order belongs to someone else'),
          '404': errorResponse('No such order'),
        },
      },
      delete: {
        summary: 'Cancel an order',
        description: 'Sets the order to `cancelled` and frees its ticket. Cancelling a cancelled order does nothing.',
        security: [{ session: [] }],
        parameters: [orderIdParameter],
        responses: {
          '204': { description: 'The order is cancelled' },
          '400': errorResponse('The order is complete (paid)'),
          '401': errorResponse('Not signed in'),
          '403': errorResponse('The order belongs to someone else'),
          '404': errorResponse('No such order'),
        },
      },
    },
  },
  components: {
    securitySchemes: { session: sessionCookieScheme },
    schemas: {
      Order: {
        type: 'object',
        required: ['id', 'status', 'userId', 'expiresAt', 'ticket', 'version'],
        properties: {
          id: { type: 'string' },
          status: { type: 'string', enum: ['created', 'cancelled', 'awaiting:payment', 'complete'] },
          userId: { type: 'string' },
          expiresAt: { type: 'string', format: 'date-time' },
          ticket: { $ref: '#/components/schemas/Ticket' },
          version: { type: 'integer', description: 'Grows with every status change' },
        },
      },
      Ticket: {
        type: 'object',
        required: ['id', 'title', 'price'],
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          price: { type: 'number', description: 'In currency units, at most two decimals' },
          version: { type: 'integer' },
        },
      },
      Errors: errorsSchema,
    },
  },
};
