import {
  apiInfo,
  bodyErrorResponses,
  errorsSchema,
  jsonRequestBody,
  notSignedInResponse,
  sessionCookieScheme,
  type OpenApiDocument,
} from '@ticketing/common';

const preferencesRef = { $ref: '#/components/schemas/Preferences' };

const preferenceProperties = {
  ticketSold: {
    type: 'boolean',
    description: '"Your ticket sold", to the seller when an order for their ticket is paid',
  },
  reservationExpired: {
    type: 'boolean',
    description: '"Your reservation expired", to the buyer of an order not paid in time',
  },
  welcome: { type: 'boolean', description: 'The welcome email after sign-up' },
};

const emailsDescription = `The emails it sends, each once per event:

| email | event | to | can be turned off |
| --- | --- | --- | --- |
| receipt (ticket, price, order id, link to the order page) | order.completed | buyer | no |
| your ticket sold | order.completed | seller | \`ticketSold\` |
| your reservation expired | order.cancelled (expired) | buyer | \`reservationExpired\` |
| your payment was refunded | payment.refunded | buyer | no |
| welcome | user.created | the new account | \`welcome\` |

A preference applies to the emails of events handled after it was saved.`;

/** The notifications API, served at /api/notifications/docs. */
export const openApiDocument: OpenApiDocument = {
  openapi: '3.0.3',
  info: apiInfo(
    'Notifications',
    `Turns the event stream into emails, and lets you choose which non-essential ones you get. Sign-in is the \`session\` cookie set by the users API.\n\n${emailsDescription}`,
  ),
  paths: {
    '/api/notifications/preferences': {
      get: {
        summary: 'Your email preferences',
        description: 'Every email is on until you turn it off.',
        security: [{ session: [] }],
        responses: {
          200: { description: 'Your preferences', content: { 'application/json': { schema: preferencesRef } } },
          ...notSignedInResponse,
        },
      },
      put: {
        summary: 'Turn emails on or off',
        description:
          'Any of the three preferences; those left out keep their value. Receipts and refunds cannot be turned off.',
        security: [{ session: [] }],
        requestBody: jsonRequestBody({
          type: 'object',
          additionalProperties: false,
          properties: preferenceProperties,
          example: { ticketSold: false },
        }),
        responses: {
          200: {
            description: 'Your preferences after the change, all of them',
            content: { 'application/json': { schema: preferencesRef } },
          },
          ...bodyErrorResponses('A preference that is not true or false'),
          ...notSignedInResponse,
        },
      },
    },
  },
  components: {
    securitySchemes: { session: sessionCookieScheme },
    schemas: {
      Preferences: {
        type: 'object',
        additionalProperties: false,
        required: ['ticketSold', 'reservationExpired', 'welcome'],
        properties: preferenceProperties,
      },
      Errors: errorsSchema,
    },
  },
};
