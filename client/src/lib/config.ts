/**
 * The client's server-side configuration, read from the environment once and checked: a missing
 * or malformed variable stops the server with one line naming it.
 */
export interface ClientConfig {
  /** Where the server-side code reaches the APIs: the gateway locally, the ingress or the services in Kubernetes. */
  apiBaseUrl: string;
  /** Lowercase ISO code the payments service charges in (the same PAYMENT_CURRENCY); prices are shown in it. */
  currency: string;
  /** Set when paying with real Stripe (Stripe Elements); unset, the fake Stripe's test cards are offered. */
  stripePublishableKey: string | undefined;
}

function readConfig(env: NodeJS.ProcessEnv): ClientConfig {
  const problems: string[] = [];
  const apiBaseUrl = env.API_BASE_URL;
  if (!apiBaseUrl) problems.push('API_BASE_URL is required');
  else if (!/^https?:\/\/[^/\s]+\/?$/.test(apiBaseUrl)) {
    problems.push('API_BASE_URL: must be an http(s) origin such as http://localhost:3000');
  }
  const currency = (env.PAYMENT_CURRENCY || 'usd').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency))
    problems.push('PAYMENT_CURRENCY: must be a three-letter ISO currency code, e.g. usd');
  const stripePublishableKey = env.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY || undefined;
  if (stripePublishableKey && !/^pk_(test|live)_\S+$/.test(stripePublishableKey)) {
    problems.push('NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: must be a Stripe publishable key (pk_test_..., pk_live_...)');
  }
  if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return { apiBaseUrl: apiBaseUrl!.replace(/\/$/, ''), currency, stripePublishableKey };
}

let config: ClientConfig | undefined;

export function clientConfig(): ClientConfig {
  config ??= readConfig(process.env);
  return config;
}

export { readConfig };
