import { errorResponse, errorsSchema, sessionCookieScheme, type OpenApiDocument } from '@ticketing/common';

/** The payments API, served at /api/payments/docs. */
export const openApiDocument: OpenApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'Ticketing payments',
    version: '1.0.0',
    description: 'Pays orders with Stripe PaymentIntents and receives Stripe webhooks.',
  },
  paths: {
    '/api/payments': {
      post: {
        summary: 'Pay one of your orders',
        description:
          "Charges the order's price with the given Stripe payment method. Retrying with the same Idempotency-Key never charges twice; after a decline a new attempt (another card) is possible. A payment that needs the customer to authenticate (3-D Secure) answers 202 and completes through the webhook.",
        security: [{ session: [] }],
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'Repeat it when retrying a request: the retry gets the first outcome and never a second charge.',
            schema: { type: 'string', minLength: 1, maxLength: 255 },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['orderId', 'paymentMethod'],
                properties: {
                  orderId: { type: 'string', pattern: '^[0-9a-fA-F]{24}$' },
                  paymentMethod: { type: 'string', description: 'A Stripe PaymentMethod id', example: 'pm_card_visa' },
                },
              },
            },
          },
        },
        responses: {
          '201': {
            description: 'Paid',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['id'],
                  properties: { id: { type: 'string', description: 'Payment id' } },
                },
              },
            },
          },
          '202': {
            description: 'Not finished yet: the customer must authenticate (requires_action) or Stripe is processing',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['status', 'paymentIntentId'],
                  properties: {
                    status: { type: 'string', enum: ['requires_action', 'processing'] },
                    paymentIntentId: { type: 'string' },
                    clientSecret: { type: 'string', description: 'For Stripe.js handleNextAction' },
                    nextAction: { type: 'object', description: "Stripe's next_action" },
                  },
                },
              },
            },
          },
          '400': errorResponse(
            'Invalid input, cancelled or already paid order, or an Idempotency-Key reused for another request',
          ),
          '401': errorResponse('Not signed in'),
          '402': errorResponse("Card declined (Stripe's message); the order can be paid with another attempt"),
          '403': errorResponse("Another user's order"),
          '404': errorResponse('Unknown order'),
          '502': errorResponse('Stripe unavailable; retry with the same Idempotency-Key'),
        },
      },
    },
    '/api/payments/webhook': {
      post: {
        summary: 'Stripe webhook endpoint',
        description:
          'Verifies the Stripe-Signature header over the raw body. payment_intent.succeeded records the payment (once, however often delivered); other event types are acknowledged and ignored.',
        parameters: [{ name: 'Stripe-Signature', in: 'header', required: true, schema: { type: 'string' } }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { type: 'object', description: 'A Stripe Event' } } },
        },
        responses: {
          '200': {
            description: 'Event accepted',
            content: {
              'application/json': { schema: { type: 'object', properties: { received: { type: 'boolean' } } } },
            },
          },
          '400': errorResponse('Missing or invalid signature'),
        },
      },
    },
  },
  components: {
    securitySchemes: { session: sessionCookieScheme },
    schemas: { Errors: errorsSchema },
  },
};
