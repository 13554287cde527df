import { cookies, headers } from 'next/headers';
import { clientConfig } from './config';
import { FORWARDED_HEADERS, SESSION_COOKIE } from './session-cookie';

/** One entry of the API's error format `{ errors: [{ message, field? }] }`. */
export interface ApiError {
  message: string;
  field?: string;
}

export interface ApiResult<T> {
  status: number;
  ok: boolean;
  /** The parsed body of a 2xx answer. */
  data: T;
  /** The errors of a 4xx/5xx answer, in the API's format (one generic entry if it had none). */
  errors: ApiError[];
  headers: Headers;
}

function errorsOf(body: unknown, status: number): ApiError[] {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(errors) && errors.every((error) => typeof error?.message === 'string')) return errors as ApiError[];
  return [
    { message: status >= 500 ? 'The service is not available right now: try again in a moment' : 'Request failed' },
  ];
}

/**
 * Calls the API from the server with the browser's session cookie, as the browser itself would.
 * Never cached: every page shows the state of the moment.
 */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResult<T>> {
  const [incoming, jar] = await Promise.all([headers(), cookies()]);
  const outgoing = new Headers({ accept: 'application/json' });
  for (const name of FORWARDED_HEADERS) {
    const value = incoming.get(name);
    if (value) outgoing.set(name, value);
  }
  const session = jar.get(SESSION_COOKIE);
  if (session) outgoing.set('cookie', `${SESSION_COOKIE}=${session.value}`);
  if (init.body !== undefined) outgoing.set('content-type', 'application/json');
  for (const [name, value] of Object.entries(init.headers ?? {})) outgoing.set(name, value);

  let response: Response;
  try {
    response = await fetch(`${clientConfig().apiBaseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: outgoing,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      cache: 'no-store',
      redirect: 'manual',
    });
  } catch {
    return {
      status: 503,
      ok: false,
      data: undefined as T,
      errors: errorsOf(undefined, 503),
      headers: new Headers(),
    };
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return {
    status: response.status,
    ok: response.ok,
    data: body as T,
    errors: response.ok ? [] : errorsOf(body, response.status),
    headers: response.headers,
  };
}

/**
 * Copies the session cookie the auth API set (or cleared) on its answer onto the browser's
 * response, with the same attributes. Only server actions and route handlers may set cookies.
 */
export async function keepSessionCookie(result: ApiResult<unknown>): Promise<void> {
  const jar = await cookies();
  for (const header of result.headers.getSetCookie()) {
    const [pair, ...attributes] = header.split(';').map((part) => part.trim());
    const separator = pair.indexOf('=');
    if (pair.slice(0, separator) !== SESSION_COOKIE) continue;
    // Next percent-encodes cookie values, which the services would not decode; the session is base64
    // JSON, and its URL-safe alphabet (which the services' base64 decoding reads too) needs no encoding.
    const value = Buffer.from(pair.slice(separator + 1), 'base64').toString('base64url');
    const attribute = (name: string) =>
      attributes.find((entry) => entry.toLowerCase().startsWith(`${name}=`))?.slice(name.length + 1);
    const expires = attribute('expires');
    jar.set(SESSION_COOKIE, value, {
      path: attribute('path') ?? '/',
      httpOnly: attributes.some((entry) => entry.toLowerCase() === 'httponly'),
      secure: attributes.some((entry) => entry.toLowerCase() === 'secure'),
      sameSite: 'lax',
      ...(expires ? { expires: new Date(expires) } : {}),
    });
  }
}
