/** An amount in currency units as money, e.g. "$19.99" for usd, "€19.99" for eur. */
export function formatMoney(amount: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(amount);
}
