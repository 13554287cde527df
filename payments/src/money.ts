/**
 * Prices, API amounts and event amounts are currency units with at most two decimals (19.99);
 * Stripe and the payments database count integer cents (1999). Every conversion goes through here.
 */
export function toCents(units: number): number {
  // Rounding removes float noise (19.99 * 100 = 1998.9999999999998).
  return Math.round(units * 100);
}

export function toUnits(cents: number): number {
  return cents / 100;
}
