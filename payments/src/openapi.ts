import {
  apiInfo,
  bodyErrorResponses,
  errorResponse,
  errorsSchema,
  forbiddenResponse,
  jsonRequestBody,
  notSignedInResponse,
  OBJECT_ID_PATTERN,
  pageResponse,
  paginationParameters,
  PaymentStatus,
  sessionCookieScheme,
  type OpenApiDocument,
} from '@ticketing/common';

const paymentRef = { $ref: '#/components/schemas/Payment' };

const orderIdSchema = { type: 'string', pattern: OBJECT_ID_PATTERN.source };

const payDescription = `Charges the order's price with the given Stripe payment method. Only the order's buyer can pay it, and only while it is neither cancelled, nor paid, nor past its \`expiresAt\` (Stripe is not called then).

Every attempt for an order confirms the order's one Stripe PaymentIntent, so an order is never charged twice. Retrying a request with the same \`Idempotency-Key\` gets the first outcome back; after a decline, a new attempt (another card) is possible.

A payment that lands on an order cancelled meanwhile (it expired while the card was being charged) is refunded automatically, and answered with 400.

With the fake Stripe API (\`npm start\`, the tests), these test payment methods do this:

| paymentMethod | card | outcome |
| --- | --- | --- |
| \`pm_card_visa\` | Visa ending in 4242 | succeeds: 201 |
| \`pm_card_mastercard\` | Mastercard ending in 4444 | succeeds: 201 |
| \`pm_card_chargeDeclined\` | Visa ending in 0002 | declined: 402 "Your card was declined: pay with another card" |
| \`pm_card_chargeDeclinedInsufficientFunds\` | Visa ending in 9995 | declined, insufficient funds: 402 |
| \`pm_card_authenticationRequired\` | Visa ending in 3184 | needs 3-D Secure: 202 |

To complete 3-D Secure, open the 202 answer's \`nextAction.use_stripe_sdk.stripe_js\` URL (in a browser, or \`curl "<url>"\`): the fake Stripe authenticates the payment, which then completes through the webhook and appears in \`GET /api/payments?orderId=...\`. With real Stripe, Stripe.js \`handleNextAction\` with the \`clientSecret\` does it.`;

/** The payments API, served at /api/payments/docs. */
export const openApiDocument: OpenApiDocument = {
  openapi: '3.0.3',
  info: apiInfo(
    'Payments',
    'Pays orders with Stripe PaymentIntents, lists your payments and receives Stripe webhooks. Sign-in is the `session` cookie set by the users API. A payment publishes payment.created; a payment whose order is cancelled is refunded automatically, once, and publishes payment.refunded.',
  ),
  paths: {
    '/api/payments': {
      get: {
        summary: 'Your payments, newest first',
        security: [{ session: [] }],
        parameters: [
          ...paginationParameters,
          {
            name: 'orderId',
            in: 'query',
            schema: orderIdSchema,
            description: 'Only the payments of this order.',
          },
        ],
        responses: {
          200: pageResponse('One page of your payments', paymentRef),
          400: errorResponse('Invalid limit, cursor or orderId, named in `field`'),
          ...notSignedInResponse,
        },
      },
      post: {
        summary: 'Pay one of your orders',
        description: payDescription,
        security: [{ session: [] }],
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'Repeat it when retrying a request: the retry gets the first outcome and never a second charge.',
            schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
          },
        ],
        requestBody: jsonRequestBody({
          type: 'object',
          additionalProperties: false,
          required: ['orderId', 'paymentMethod'],
          properties: {
            orderId: { ...orderIdSchema, description: 'The order to pay' },
            paymentMethod: {
              type: 'string',
              pattern: '^[A-Za-z0-9_]{1,255}$',
              description: 'A Stripe PaymentMethod id (see the test payment methods above)',
              example: 'pm_card_visa',
            },
          },
        }),
        responses: {
          201: {
            description: 'Paid: the payment',
            content: { 'application/json': { schema: paymentRef } },
          },
          202: {
            description:
              'Not finished yet: the customer must authenticate (requires_action) or Stripe is processing; the payment completes through the webhook',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/PaymentInProgress' } } },
          },
          ...bodyErrorResponses(
            'Invalid input (orderId, paymentMethod, a payment method Stripe does not know, Idempotency-Key), or an order that cannot be paid: cancelled, already paid, expired, cancelled while it was being paid (the payment is refunded), or an Idempotency-Key reused for another request',
          ),
          ...notSignedInResponse,
          402: errorResponse(
            "Card declined (Stripe's words and what to do, `field` paymentMethod); the order can be paid with another attempt",
          ),
          ...forbiddenResponse('The order belongs to another user'),
          404: errorResponse('No such order'),
          502: errorResponse(
            'Stripe could not be reached or answered unexpectedly; retry with the same Idempotency-Key',
          ),
        },
      },
    },
    '/api/payments/{id}': {
      get: {
        summary: 'One of your payments',
        security: [{ session: [] }],
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            schema: orderIdSchema,
            description: 'Payment id; a malformed id is answered like an unknown one (404).',
          },
        ],
        responses: {
          200: { description: 'The payment', content: { 'application/json': { schema: paymentRef } } },
          ...notSignedInResponse,
          403: errorResponse('The payment belongs to another user'),
          404: errorResponse('No such payment'),
        },
      },
    },
    '/api/payments/webhook': {
      post: {
        summary: 'Stripe webhook endpoint',
        description:
          'For Stripe only: verifies the Stripe-Signature header over the raw body. `payment_intent.succeeded` records the payment (with its card, retrieved from Stripe); `charge.refunded` with the whole charge refunded (in the Stripe dashboard, or by this service) marks the payment refunded and publishes payment.refunded. Each takes effect once, however often Stripe delivers it. Other event types are acknowledged and ignored.',
        parameters: [{ name: 'Stripe-Signature', in: 'header', required: true, schema: { type: 'string' } }],
        requestBody: jsonRequestBody({
          type: 'object',
          description: "A Stripe Event, as Stripe sends it: its fields are Stripe's",
          additionalProperties: true,
          required: ['id', 'type', 'data'],
          properties: {
            id: { type: 'string', example: 'evt_1PqXb2' },
            type: { type: 'string', example: 'payment_intent.succeeded' },
            data: { type: 'object', properties: { object: { type: 'object' } } },
          },
        }),
        responses: {
          200: {
            description: 'Event accepted',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['received'],
                  properties: { received: { type: 'boolean', enum: [true] } },
                },
              },
            },
          },
          400: errorResponse('Missing or invalid Stripe-Signature (`field` stripe-signature)'),
          ...forbiddenResponse(),
          413: errorResponse('The request body is too large (over 1 MB)'),
          415: errorResponse('The body is not JSON (Content-Type: application/json, UTF-8)'),
        },
      },
    },
  },
  components: {
    securitySchemes: { session: sessionCookieScheme },
    schemas: {
      Payment: {
        type: 'object',
        required: ['id', 'orderId', 'amount', 'currency', 'status', 'createdAt'],
        properties: {
          id: { type: 'string', description: 'Payment id' },
          orderId: { type: 'string', description: 'The order it paid' },
          amount: { type: 'number', description: 'What was charged, in currency units (at most two decimals)' },
          currency: { type: 'string', pattern: '^[a-z]{3}$', example: 'usd' },
          status: {
            type: 'string',
            enum: Object.values(PaymentStatus),
            description: '`refunded` once the money went back to the buyer',
          },
          card: {
            type: 'object',
            description: 'The card it was paid with, when Stripe told it',
            required: ['brand', 'last4'],
            properties: {
              brand: { type: 'string', example: 'visa' },
              last4: { type: 'string', pattern: '^\\d{4}$', example: '4242' },
            },
          },
          createdAt: { type: 'string', format: 'date-time' },
          refundedAt: { type: 'string', format: 'date-time', description: 'When it was refunded; only once refunded' },
        },
      },
      PaymentInProgress: {
        type: 'object',
        required: ['status', 'paymentIntentId'],
        properties: {
          status: { type: 'string', enum: ['requires_action', 'processing'] },
          paymentIntentId: { type: 'string' },
          clientSecret: {
            type: 'string',
            description: 'With requires_action: for Stripe.js handleNextAction',
          },
          nextAction: {
            type: 'object',
            description:
              "With requires_action: Stripe's next_action. With the fake Stripe, opening `use_stripe_sdk.stripe_js` completes 3-D Secure.",
            properties: {
              type: { type: 'string', example: 'use_stripe_sdk' },
              use_stripe_sdk: { type: 'object', properties: { stripe_js: { type: 'string', format: 'uri' } } },
            },
          },
        },
      },
      Errors: errorsSchema,
    },
  },
};
