import { headers } from 'next/headers';

const FALLBACK_LOCALE = 'en-US';

/** The reader's preferred locale, from Accept-Language, when the runtime knows it. */
export async function requestLocale(): Promise<string> {
  const accepted = (await headers()).get('accept-language') ?? '';
  for (const entry of accepted.split(',')) {
    const tag = entry.split(';')[0].trim();
    if (!tag || tag === '*') continue;
    try {
      const [supported] = Intl.NumberFormat.supportedLocalesOf(tag);
      if (supported) return supported;
    } catch {
      // A malformed tag: try the next one.
    }
  }
  return FALLBACK_LOCALE;
}

/** An amount in currency units as money, e.g. "$19.99" or "19,99 €". */
export function formatMoney(amount: number, currency: string, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() }).format(amount);
}
