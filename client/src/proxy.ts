import { NextResponse, type NextRequest } from 'next/server';
import { clientConfig } from '@/lib/config';
import { contentSecurityPolicy } from '@/lib/content-security-policy';

/**
 * Every page gets a Content-Security-Policy with a nonce of its own, made here because it changes
 * with every request and depends on the runtime configuration (the Stripe key); the headers that
 * never change are set for every path in next.config.ts. Next takes the nonce from the policy on
 * the request and puts it on the scripts of the page it renders.
 */
export function proxy(request: NextRequest): NextResponse {
  const nonce = Buffer.from(crypto.randomUUID()).toString('base64');
  const policy = contentSecurityPolicy(nonce, {
    stripe: clientConfig().stripePublishableKey !== undefined,
    development: process.env.NODE_ENV === 'development',
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('content-security-policy', policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', policy);
  return response;
}

export const config = {
  // Pages only: not the build's static files, which run no policy of their own.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|icon.svg).*)'],
};
