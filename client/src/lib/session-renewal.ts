import type { NextRequest } from 'next/server';
import { clientConfig } from './config';
import { FORWARDED_HEADERS, SESSION_COOKIE } from './session-cookie';

/**
 * Whether the token in a session cookie value is past half its life. Decoded, not verified: it only
 * says when to ask auth, which verifies the token before renewing it.
 */
function pastHalfLife(cookieValue: string): boolean {
  try {
    const { jwt } = JSON.parse(Buffer.from(cookieValue, 'base64').toString('utf8')) as { jwt: string };
    const { iat, exp } = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as {
      iat: number;
      exp: number;
    };
    return Date.now() / 1000 >= (iat + exp) / 2;
  } catch {
    return false;
  }
}

/**
 * Auth's Set-Cookie line of a renewed session, for a page request whose token is past half its
 * life; otherwise undefined. Auth renews such a token when asked who the user is, but the pages ask
 * from the server, where its new cookie would never reach the browser: the proxy asks first.
 */
export async function renewedSessionCookie(request: NextRequest): Promise<string | undefined> {
  const session = request.cookies.get(SESSION_COOKIE)?.value;
  if (!session || !pastHalfLife(session)) return undefined;
  const headers = new Headers({ accept: 'application/json', cookie: `${SESSION_COOKIE}=${session}` });
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  try {
    const response = await fetch(`${clientConfig().apiBaseUrl}/api/users/currentuser`, { headers, cache: 'no-store' });
    return response.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`));
  } catch {
    // Auth unreachable: the page goes on with the current token, valid for the rest of its life.
    return undefined;
  }
}
