/** What a page's policy depends on besides its nonce. */
export interface PolicyOptions {
  /** Stripe Elements is used (NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY is set): its script, frames and API are allowed. */
  stripe: boolean;
  /** `next dev`: React uses eval to rebuild server error stacks in the browser. */
  development: boolean;
}

/**
 * The Content-Security-Policy of every page. Scripts run only with this request's nonce, which Next
 * puts on its own scripts and inline bootstrap (it reads it from the request's policy); what a
 * nonced script loads is trusted in turn ('strict-dynamic'), so Stripe.js, which stripe-js inserts,
 * runs. Styles may be inline: React renders `style` attributes and Stripe Elements injects its own.
 * Stripe's hosts are those of Stripe's CSP guide; the rest is our own origin only.
 */
export function contentSecurityPolicy(nonce: string, { stripe, development }: PolicyOptions): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': [
      "'self'",
      `'nonce-${nonce}'`,
      "'strict-dynamic'",
      ...(stripe ? ['https://js.stripe.com'] : []),
      ...(development ? ["'unsafe-eval'"] : []),
    ],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:', ...(stripe ? ['https://*.stripe.com'] : [])],
    'connect-src': ["'self'", ...(stripe ? ['https://api.stripe.com'] : [])],
    'frame-src': [
      "'self'",
      ...(stripe ? ['https://js.stripe.com', 'https://*.js.stripe.com', 'https://hooks.stripe.com'] : []),
    ],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}
