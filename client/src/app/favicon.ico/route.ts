/**
 * Browsers ask for /favicon.ico by themselves, whatever the page's <link rel="icon"> says (for
 * instance when a page is left while it loads, as a redirect to sign-in does): they are sent to the
 * site's icon (app/icon.svg), for good, instead of getting a 404 in their console.
 */
export const dynamic = 'force-static';

export function GET(): Response {
  return new Response(null, { status: 308, headers: { Location: '/icon.svg' } });
}
