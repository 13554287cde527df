import { NextResponse, type NextRequest } from 'next/server';
import { clientConfig } from '@/lib/config';
import { contentSecurityPolicy } from '@/lib/content-security-policy';
import { SESSION_COOKIE } from '@/lib/session-cookie';
import { renewedSessionCookie } from '@/lib/session-renewal';

/**
 * Every page gets a Content-Security-Policy with a nonce of its own, made here because it changes
 * with every request and depends on the runtime configuration (the Stripe key); the headers that
 * never change are set for every path in next.config.ts. Next takes the nonce from the policy on
 * the request and puts it on the scripts of the page it renders. A session token past half its life
 * is renewed here too, the one place where a page request can set the browser's cookie.
 */
export async function proxy(request: NextRequest): Promise<NextResponse> {
  const nonce = Buffer.from(crypto.randomUUID()).toString('base64');
  const policy = contentSecurityPolicy(nonce, {
    stripe: clientConfig().stripePublishableKey !== undefined,
    development: process.env.NODE_ENV === 'development',
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('content-security-policy', policy);
  const renewed = await renewedSessionCookie(request);
  if (renewed) {
    // The page renders with the new token too. Its value is written as auth wrote it: the services
    // read base64, which Next's cookie API would percent-encode.
    const value = renewed.split(';')[0].slice(`${SESSION_COOKIE}=`.length);
    const cookieHeader = requestHeaders.get('cookie') ?? '';
    requestHeaders.set(
      'cookie',
      cookieHeader.replace(new RegExp(`(^|;\\s*)${SESSION_COOKIE}=[^;]*`), `$1${SESSION_COOKIE}=${value}`),
    );
  }
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', policy);
  if (renewed) response.headers.append('set-cookie', renewed);
  return response;
}

export const config = {
  // Pages only: not the build's static files, which run no policy of their own.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|icon.svg).*)'],
};
