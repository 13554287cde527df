export { startFakeStripe } from './fake-stripe';
export type { FakeStripe, FakeStripeOptions } from './fake-stripe';
export { TEST_PAYMENT_METHODS } from './payment-intents';
export type { Charge, PaymentIntent, PaymentIntentStatus } from './payment-intents';
export { signWebhookPayload } from './webhooks';
export type { StripeEvent } from './webhooks';
export type { StripeErrorBody } from './errors';
