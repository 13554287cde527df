/** The cookie the services keep the session in, as base64 JSON `{ jwt }`. */
export const SESSION_COOKIE = 'session';

// What the API should know of the browser's request: who it is for (throttling, logs) and how it came in.
export const FORWARDED_HEADERS = [
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
  'user-agent',
];
