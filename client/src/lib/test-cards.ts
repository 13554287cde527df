/**
 * Stripe's test payment methods, which the fake Stripe API answers as Stripe does: what the payment
 * form offers when no Stripe publishable key is configured.
 */
export const TEST_CARDS = [
  { paymentMethod: 'pm_card_visa', label: 'Visa ending 4242', outcome: 'succeeds' },
  { paymentMethod: 'pm_card_mastercard', label: 'Mastercard ending 4444', outcome: 'succeeds' },
  { paymentMethod: 'pm_card_chargeDeclined', label: 'Visa ending 0002', outcome: 'is declined' },
  {
    paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds',
    label: 'Visa ending 9995',
    outcome: 'is declined for insufficient funds',
  },
  {
    paymentMethod: 'pm_card_authenticationRequired',
    label: 'Visa ending 3184',
    outcome: 'needs 3-D Secure authentication',
  },
] as const;
