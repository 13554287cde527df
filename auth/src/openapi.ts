import { errorResponse, errorsSchema, sessionCookieScheme, type OpenApiDocument } from '@ticketing/common';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './middlewares/credentials';

const json = (schemaName: string) => ({
  'application/json': { schema: { $ref: `#/components/schemas/${schemaName}` } },
});

const setsSessionCookie = {
  'Set-Cookie': {
    description: 'The `session` cookie (httpOnly, SameSite=Lax, Secure over HTTPS) holding the session JWT',
    schema: { type: 'string' },
  },
};

const credentialsBody = (passwordSchema: Record<string, unknown>) => ({
  required: true,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'password'],
        properties: {
          email: { type: 'string', format: 'email', maxLength: 254, description: 'Trimmed and lower-cased' },
          password: { type: 'string', ...passwordSchema },
        },
      },
    },
  },
});

export const openApiDocument: OpenApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'Ticketing auth service',
    version: '1.0.0',
    description:
      'Accounts and sessions. The session is a cookie named `session` holding `{ jwt }`; the JWT payload is ' +
      '`{ id, email }` with an expiry, and every service verifies it with the shared JWT key.',
  },
  paths: {
    '/api/users/signup': {
      post: {
        summary: 'Create an account and sign in',
        requestBody: credentialsBody({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH }),
        responses: {
          201: { description: 'Account created, session started', headers: setsSessionCookie, content: json('User') },
          400: errorResponse('Invalid input (missing, wrong type, invalid or unknown field), or `Email in use`'),
          413: errorResponse('Request body too large'),
        },
      },
    },
    '/api/users/signin': {
      post: {
        summary: 'Sign in',
        requestBody: credentialsBody({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
        responses: {
          200: { description: 'Session started', headers: setsSessionCookie, content: json('User') },
          400: errorResponse('Invalid input, or `Invalid credentials` (unknown email and wrong password alike)'),
          413: errorResponse('Request body too large'),
          429: {
            description: 'Too many failed sign-ins for this email or from this client address',
            headers: {
              'Retry-After': { description: 'Seconds until attempts are accepted again', schema: { type: 'integer' } },
            },
            content: json('Errors'),
          },
        },
      },
    },
    '/api/users/signout': {
      post: {
        summary: 'Sign out',
        responses: {
          200: {
            description: 'Session cleared (the cookie is expired)',
            headers: setsSessionCookie,
            content: { 'application/json': { schema: { type: 'object', additionalProperties: false } } },
          },
        },
      },
    },
    '/api/users/currentuser': {
      get: {
        summary: 'Who the session belongs to',
        security: [{}, { session: [] }],
        responses: {
          200: {
            description: 'The signed-in user, or null when signed out (no session, expired or tampered token)',
            content: json('CurrentUser'),
          },
        },
      },
    },
  },
  components: {
    securitySchemes: { session: sessionCookieScheme },
    schemas: {
      User: {
        type: 'object',
        required: ['id', 'email'],
        properties: {
          id: { type: 'string', example: '5f0c1e2d3b4a596877665544' },
          email: { type: 'string', format: 'email' },
        },
      },
      CurrentUser: {
        type: 'object',
        required: ['currentUser'],
        properties: {
          currentUser: {
            type: 'object',
            nullable: true,
            required: ['id', 'email', 'iat', 'exp'],
            properties: {
              id: { type: 'string' },
              email: { type: 'string', format: 'email' },
              iat: { type: 'integer', description: 'Issued at (seconds since the epoch)' },
              exp: { type: 'integer', description: 'Expires at (seconds since the epoch)' },
            },
          },
        },
      },
      Errors: errorsSchema,
    },
  },
};
