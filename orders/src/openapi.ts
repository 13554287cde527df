import {
  apiInfo,
  bodyErrorResponses,
  errorResponse,
  errorsSchema,
  forbiddenResponse,
  jsonRequestBody,
  notSignedInResponse,
  OrderCancelReason,
  OrderStatus,
  pageResponse,
  paginationParameters,
  PaymentStatus,
  sessionCookieScheme,
  type OpenApiDocument,
} from '@ticketing/common';

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
  info: apiInfo(
    'Orders',
    'Buyers reserve a ticket with an order that expires unless paid. An order is `created` (it reserves its ' +
      'ticket until `expiresAt`), then `complete` once paid, or `cancelled` with a `cancelReason`: `expired` (not ' +
      'paid in time), `requested_by_buyer`, or `ticket_withdrawn` (the seller withdrew the ticket before the order ' +
      'reached it). All routes need the `session` cookie set by the auth service.',
  ),
  paths: {
    '/api/orders': {
      post: {
        summary: 'Reserve a ticket',
        description:
          'Creates an order in status `created` that reserves the ticket until `expiresAt`, at the ticket’s current ' +
          'title and price, which the order keeps. At most one order per ticket can be created or complete.',
        security: [{ session: [] }],
        requestBody: jsonRequestBody({
          type: 'object',
          additionalProperties: false,
          required: ['ticketId'],
          properties: { ticketId: { type: 'string', pattern: '^[0-9a-fA-F]{24}$' } },
        }),
        responses: {
          201: orderResponse('The order, with its ticket'),
          ...bodyErrorResponses(
            'Invalid ticketId, or the ticket cannot be ordered: reserved by another order, sold, withdrawn, or the ' +
              'caller’s own (the message says which)',
          ),
          ...notSignedInResponse,
          404: errorResponse('No such ticket'),
        },
      },
      get: {
        summary: 'The caller’s orders',
        security: [{ session: [] }],
        parameters: paginationParameters,
        responses: {
          200: pageResponse('One page of the caller’s orders', { $ref: '#/components/schemas/Order' }),
          400: errorResponse('Invalid limit or cursor'),
          ...notSignedInResponse,
        },
      },
    },
    '/api/orders/{id}': {
      get: {
        summary: 'One of the caller’s orders',
        security: [{ session: [] }],
        parameters: [orderIdParameter],
        responses: {
          200: orderResponse('The order, with its ticket, why it ended and its payment'),
          ...notSignedInResponse,
          403: errorResponse('The order belongs to another user'),
          404: errorResponse('No such order'),
        },
      },
      delete: {
        summary: 'Cancel an order',
        description:
          'Sets the order to `cancelled` (reason `requested_by_buyer`) and frees its ticket. Cancelling a cancelled ' +
          'order does nothing.',
        security: [{ session: [] }],
        parameters: [orderIdParameter],
        responses: {
          204: { description: 'The order is cancelled' },
          400: errorResponse('The order is paid, or the request had a body'),
          ...notSignedInResponse,
          ...forbiddenResponse('The order belongs to another user'),
          404: errorResponse('No such order'),
          413: errorResponse('The request body is too large'),
          415: errorResponse('The body is not JSON'),
        },
      },
    },
    '/api/orders/{id}/events': {
      get: {
        summary: 'Follow one of the caller’s orders',
        description:
          'A stream of server-sent events (for the browser’s `EventSource`) that stays open. Each `order` event ' +
          'carries in `data` the order exactly as `GET /api/orders/{id}` answers it: first the order as it is now, ' +
          'then the order again within a second of every change (paid, expired, cancelled), whichever replica of ' +
          'the service made it. A comment line `: keep-alive` comes every 15 seconds. When the stream drops (the ' +
          'replica shuts down, the network fails), `EventSource` reconnects by itself and the new stream again ' +
          'starts with the current order, so nothing is missed; it sends no event ids and needs no ' +
          '`Last-Event-ID`. An answer other than 200 (not signed in, not the caller’s order, no such order) ends ' +
          '`EventSource` for good.',
        security: [{ session: [] }],
        parameters: [orderIdParameter],
        responses: {
          200: {
            description: 'The open stream: `order` events and keep-alive comments',
            content: {
              'text/event-stream': {
                schema: { type: 'string' },
                example:
                  'event: order\ndata: {"id":"6b01f1392dad1b761be159a8","status":"created",…,"version":0}\n\n' +
                  ': keep-alive\n\n' +
                  'event: order\ndata: {"id":"6b01f1392dad1b761be159a8","status":"complete",…,"version":1}\n\n',
              },
            },
          },
          ...notSignedInResponse,
          403: errorResponse('The order belongs to another user'),
          404: errorResponse('No such order'),
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
          status: { type: 'string', enum: Object.values(OrderStatus) },
          cancelReason: {
            type: 'string',
            enum: Object.values(OrderCancelReason),
            description: 'Present exactly when the status is `cancelled`',
          },
          userId: { type: 'string', description: 'The buyer' },
          expiresAt: { type: 'string', format: 'date-time', description: 'The end of the reservation unless paid' },
          ticket: { $ref: '#/components/schemas/OrderedTicket' },
          payment: { $ref: '#/components/schemas/Payment' },
          version: { type: 'integer', description: 'Grows with every status change' },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
      OrderedTicket: {
        type: 'object',
        description: 'The ticket as it was when ordered',
        required: ['id', 'title', 'price', 'version'],
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          price: { type: 'number', description: 'What the buyer pays, in currency units, at most two decimals' },
          version: { type: 'integer', description: 'The ticket’s version when ordered' },
        },
      },
      Payment: {
        type: 'object',
        description:
          'The payment of a complete order; also shown on a cancelled order that was paid too late, until and ' +
          'after its automatic refund',
        required: ['id', 'amount', 'currency', 'paidAt', 'status'],
        properties: {
          id: { type: 'string', description: 'The payments service’s payment id' },
          amount: { type: 'number', description: 'Currency units' },
          currency: { type: 'string', example: 'usd' },
          card: {
            type: 'object',
            required: ['brand', 'last4'],
            properties: { brand: { type: 'string', example: 'visa' }, last4: { type: 'string', example: '4242' } },
          },
          paidAt: { type: 'string', format: 'date-time' },
          status: { type: 'string', enum: Object.values(PaymentStatus) },
          refundedAt: { type: 'string', format: 'date-time' },
        },
      },
      Errors: errorsSchema,
    },
  },
};
