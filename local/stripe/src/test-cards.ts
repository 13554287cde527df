/** What confirming a PaymentIntent with a test payment method does. */
export type CardOutcome =
  { kind: 'succeed' } | { kind: 'decline'; declineCode: string; message: string } | { kind: 'authenticate' };

/** The card behind a payment method, as a Charge's `payment_method_details.card` shows it. */
export interface CardDetails {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  funding: 'credit' | 'debit' | 'prepaid' | 'unknown';
  country: string;
}

export interface TestPaymentMethod {
  outcome: CardOutcome;
  card: Omit<CardDetails, 'exp_month' | 'exp_year'>;
}

/** Stripe's test PaymentMethods that the fake knows, with the cards Stripe puts behind them (https://docs.stripe.com/testing). */
export const TEST_PAYMENT_METHODS: Record<string, TestPaymentMethod> = {
  pm_card_visa: {
    outcome: { kind: 'succeed' },
    card: { brand: 'visa', last4: '4242', funding: 'credit', country: 'US' },
  },
  pm_card_mastercard: {
    outcome: { kind: 'succeed' },
    card: { brand: 'mastercard', last4: '4444', funding: 'credit', country: 'US' },
  },
  pm_card_chargeDeclined: {
    outcome: { kind: 'decline', declineCode: 'generic_decline', message: 'Your card was declined.' },
    card: { brand: 'visa', last4: '0002', funding: 'credit', country: 'US' },
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    outcome: { kind: 'decline', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    card: { brand: 'visa', last4: '9995', funding: 'credit', country: 'US' },
  },
  // 4000 0027 6000 3184: issued in Germany, it asks for 3-D Secure on every payment.
  pm_card_authenticationRequired: {
    outcome: { kind: 'authenticate' },
    card: { brand: 'visa', last4: '3184', funding: 'credit', country: 'DE' },
  },
};

/** The card details of a test payment method; test cards never expire (Stripe gives them a date in the future). */
export function cardDetails(paymentMethod: string, now = new Date()): CardDetails {
  return { ...TEST_PAYMENT_METHODS[paymentMethod].card, exp_month: 12, exp_year: now.getUTCFullYear() + 1 };
}
