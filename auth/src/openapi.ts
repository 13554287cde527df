import {
  apiInfo,
  bodyErrorResponses,
  errorResponse,
  errorsSchema,
  jsonRequestBody,
  sessionCookieScheme,
  type OpenApiDocument,
} from '@ticketing/common';
import { MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './middlewares/credentials';

const json = (schemaName: string) => ({
  'application/json': { schema: { $ref: `#/components/schemas/${schemaName}` } },
});

const setsSessionCookie = {
  'Set-Cookie': {
    description: 'The `session` cookie (httpOnly, SameSite=Lax, Secure over HTTPS) holding the session JWT',
    schema: { type: 'string' },
  },
};

// JSON Schema's minLength and maxLength count Unicode code points, as the service's checks do.
const credentialsBody = (passwordLength: { minLength: number; maxLength: number }) =>
  jsonRequestBody({
    type: 'object',
    additionalProperties: false,
    required: ['email', 'password'],
    properties: {
      email: {
        type: 'string',
        format: 'email',
        maxLength: MAX_EMAIL_LENGTH,
        description: 'Trimmed and lower-cased before anything else',
      },
      password: { type: 'string', ...passwordLength, description: 'Taken exactly as typed' },
    },
  });

const invalidCredentialFields =
  'Email or password missing, not a string, too long or not valid (e.g. `Email is required`, ' +
  '`Password must be a string`, `Email must be a valid email address`), each with its `field`';

/** A 429 with its Retry-After header. */
function throttled(description: string) {
  return {
    ...errorResponse(description),
    headers: {
      'Retry-After': { description: 'Seconds until attempts are accepted again', schema: { type: 'integer' } },
    },
  };
}

export const openApiDocument: OpenApiDocument = {
  openapi: '3.0.3',
  info: apiInfo(
    'Auth',
    'Accounts and sessions. The session is a cookie named `session` holding `{ jwt }`; the JWT payload is ' +
      '`{ id, email }` with its times, signed by auth alone (EdDSA, naming its key in the `kid` header); every ' +
      'service verifies it with the public keys auth publishes at `/api/users/.well-known/jwks.json`.',
  ),
  paths: {
    '/api/users/signup': {
      post: {
        summary: 'Create an account and sign in',
        requestBody: credentialsBody({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH }),
        responses: {
          201: { description: 'Account created, session started', headers: setsSessionCookie, content: json('User') },
          ...bodyErrorResponses(
            `${invalidCredentialFields}; \`Password must be between ${MIN_PASSWORD_LENGTH} and ` +
              `${MAX_PASSWORD_LENGTH} characters\`; or \`This email is already in use: sign in instead\` ` +
              '(`field`: `email`)',
          ),
          429: throttled(
            'Too many sign-ups from this client address: `Too many sign-ups from this address: try again in N minutes`',
          ),
        },
      },
    },
    '/api/users/signin': {
      post: {
        summary: 'Sign in',
        requestBody: credentialsBody({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
        responses: {
          200: { description: 'Session started', headers: setsSessionCookie, content: json('User') },
          ...bodyErrorResponses(
            `${invalidCredentialFields}; \`Password must be at most ${MAX_PASSWORD_LENGTH} characters\`; or ` +
              '`Wrong email or password: check both and try again`, without `field`, for an unknown email and a ' +
              'wrong password alike',
          ),
          429: throttled(
            'Too many failed sign-ins for this email from this client address, from this client address, or ' +
              'for this email from all addresses together (a much higher limit): ' +
              '`Too many failed sign-in attempts: try again in N minutes`',
          ),
        },
      },
    },
    '/api/users/signout': {
      post: {
        summary: 'Sign out',
        requestBody: {
          required: false,
          content: {
            'application/json': { schema: { type: 'object', additionalProperties: false, properties: {} } },
          },
        },
        responses: {
          200: {
            description:
              'Session cleared (the cookie is expired) and, when it was valid, revoked: every service refuses its tokens within a second',
            headers: setsSessionCookie,
            content: { 'application/json': { schema: { type: 'object', additionalProperties: false } } },
          },
          ...bodyErrorResponses('A body, when one is sent, that is not a JSON object or has fields (it takes none)'),
          503: errorResponse('The session could not be revoked (NATS unreachable): nothing changed, try again'),
        },
      },
    },
    '/api/users/currentuser': {
      get: {
        summary: 'Who the session belongs to',
        security: [{}, { session: [] }],
        responses: {
          200: {
            description:
              'The signed-in user, or null when signed out (no session, expired, tampered or signed-out token). ' +
              'A token past half its life is renewed: the answer then sets a new session cookie, same session, new expiry.',
            headers: setsSessionCookie,
            content: json('CurrentUser'),
          },
        },
      },
    },
    '/api/users/.well-known/jwks.json': {
      get: {
        summary: 'The public keys that verify session JWTs',
        description:
          'A JSON Web Key Set: every key a session may currently be signed with, the one auth signs with now ' +
          'and older ones still accepted while keys rotate. A token names its key in its `kid` header. Never a private key.',
        responses: {
          200: { description: 'The public keys', content: json('Jwks') },
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
      Jwks: {
        type: 'object',
        required: ['keys'],
        properties: {
          keys: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['kty', 'crv', 'x', 'kid', 'alg', 'use'],
              properties: {
                kty: { type: 'string', enum: ['OKP'] },
                crv: { type: 'string', enum: ['Ed25519'] },
                x: { type: 'string', description: 'The public key, base64url' },
                kid: { type: 'string', description: 'The id tokens signed with this key name in their header' },
                alg: { type: 'string', enum: ['EdDSA'] },
                use: { type: 'string', enum: ['sig'] },
              },
            },
          },
        },
      },
      Errors: errorsSchema,
    },
  },
};
