import Stripe from 'stripe';
import { startFakeStripe } from '../src';
import {
  NO_REDIRECTS,
  rejection,
  sdkFor,
  SECRET_KEY,
  startWebhookReceiver,
  useTestFake,
  WEBHOOK_SECRET,
} from './helpers';

const env = useTestFake();

function create(params: Partial<Stripe.PaymentIntentCreateParams> = {}, options?: Stripe.RequestOptions) {
  return env.stripe.paymentIntents.create(
    { amount: 1999, currency: 'usd', automatic_payment_methods: NO_REDIRECTS, ...params },
    options,
  );
}

describe('PaymentIntents', () => {
  it('creates and confirms with pm_card_visa: succeeded for the exact amount, metadata kept', async () => {
    const intent = await create({ metadata: { orderId: 'order-1' } });
    expect(intent).toMatchObject({
      object: 'payment_intent',
      amount: 1999,
      currency: 'usd',
      status: 'requires_payment_method',
      metadata: { orderId: 'order-1' },
    });
    expect(intent.id).toMatch(/^pi_/);
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_`));

    const confirmed = await env.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    expect(confirmed).toMatchObject({ id: intent.id, status: 'succeeded', amount_received: 1999 });
    expect(await env.stripe.paymentIntents.retrieve(intent.id)).toMatchObject({ status: 'succeeded' });
    expect(env.fake.charges).toEqual([
      expect.objectContaining({ payment_intent: intent.id, amount: 1999, status: 'succeeded' }),
    ]);
  });

  it('confirms on creation with confirm=true', async () => {
    const intent = await create({ payment_method: 'pm_card_visa', confirm: true });
    expect(intent.status).toBe('succeeded');
    expect(env.fake.paymentIntents.map((pi) => pi.status)).toEqual(['succeeded']);
  });

  it('declines pm_card_chargeDeclined with a 402 card_error, then succeeds with another card', async () => {
    const intent = await create();
    const err = await rejection(
      env.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_chargeDeclined' }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({
      statusCode: 402,
      type: 'StripeCardError',
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
    });
    expect(err.payment_intent).toMatchObject({
      id: intent.id,
      status: 'requires_payment_method',
      last_payment_error: { code: 'card_declined' },
    });

    const retried = await env.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    expect(retried.status).toBe('succeeded');
    expect(retried.last_payment_error).toBeNull();
    expect(env.fake.charges.map((charge) => charge.status)).toEqual(['failed', 'succeeded']);
  });

  it('asks for 3-D Secure with pm_card_authenticationRequired until the customer completes it', async () => {
    const intent = await create({ payment_method: 'pm_card_authenticationRequired', confirm: true });
    expect(intent.status).toBe('requires_action');
    expect(intent.next_action).toMatchObject({ type: 'use_stripe_sdk' });
    expect(env.fake.charges).toEqual([]);

    expect(env.fake.completeAction(intent.id).status).toBe('succeeded');
    expect(await env.stripe.paymentIntents.retrieve(intent.id)).toMatchObject({
      status: 'succeeded',
      amount_received: 1999,
    });
    expect(() => env.fake.completeAction(intent.id)).toThrow(/not requires_action/);
  });

  it('completes 3-D Secure through the page the next action points to, given the client secret', async () => {
    const intent = await create({ payment_method: 'pm_card_authenticationRequired', confirm: true });
    const page = (intent.next_action?.use_stripe_sdk as unknown as { stripe_js: string }).stripe_js;
    expect((await fetch(page.replace(/client_secret=[^&]+/, 'client_secret=wrong'))).status).toBe(404);
    expect((await fetch(page)).status).toBe(200);
    expect((await env.stripe.paymentIntents.retrieve(intent.id)).status).toBe('succeeded');
  });

  it('refuses to confirm an intent that already succeeded', async () => {
    const intent = await create({ payment_method: 'pm_card_visa', confirm: true });
    const err = await rejection(env.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    expect(err.payment_intent?.status).toBe('succeeded');
    expect(env.fake.charges).toHaveLength(1);
  });

  it('answers Stripe errors for unknown intents, payment methods and parameters', async () => {
    expect(await rejection(env.stripe.paymentIntents.retrieve('pi_missing'))).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: "No such payment_intent: 'pi_missing'",
    });
    expect(await rejection(create({ payment_method: 'pm_bogus', confirm: true }))).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'payment_method',
    });
    expect(await rejection(create({ amount: 19.99 }))).toMatchObject({
      code: 'parameter_invalid_integer',
      param: 'amount',
    });
    expect(await rejection(create({ amount: 10 }))).toMatchObject({ code: 'amount_too_small' });
    expect(
      await rejection(env.stripe.paymentIntents.create({ currency: 'usd' } as Stripe.PaymentIntentCreateParams)),
    ).toMatchObject({ code: 'parameter_missing', param: 'amount' });
    expect(await rejection(create({ customer_balance: 'x' } as never))).toMatchObject({
      code: 'parameter_unknown',
      param: 'customer_balance',
    });
  });

  it('needs a return_url when redirect-based payment methods are allowed, as Stripe does', async () => {
    const intent = await env.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    expect(intent.automatic_payment_methods).toEqual({ enabled: true, allow_redirects: 'always' });
    const err = await rejection(env.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' }));
    expect(err).toMatchObject({ statusCode: 400, param: 'return_url' });
    const confirmed = await env.stripe.paymentIntents.confirm(intent.id, {
      payment_method: 'pm_card_visa',
      return_url: 'https://shop.test/done',
    });
    expect(confirmed.status).toBe('succeeded');
  });
});

describe('authentication', () => {
  it('refuses a wrong secret key with 401', async () => {
    const err = await rejection(
      sdkFor(env.fake, 'sk_test_wrong_key_123456').paymentIntents.create({ amount: 100, currency: 'usd' }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err.statusCode).toBe(401);
    expect(err.message).toMatch(/^Invalid API Key provided: sk_test_\*+3456$/);
    expect(env.fake.paymentIntents).toEqual([]);
  });

  it('refuses a request without a key, and accepts basic auth with the key', async () => {
    const missing = await fetch(`${env.fake.url}/v1/payment_intents/pi_x`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      error: { type: 'invalid_request_error', message: expect.stringMatching(/did not provide an API key/) },
    });
    const basic = await fetch(`${env.fake.url}/v1/payment_intents/pi_x`, {
      headers: { Authorization: `Basic ${Buffer.from(`${SECRET_KEY}:`).toString('base64')}` },
    });
    expect(basic.status).toBe(404);
  });

  it('answers 404 in Stripe shape for endpoints it does not implement', async () => {
    const response = await fetch(`${env.fake.url}/v1/charges`, { headers: { Authorization: `Bearer ${SECRET_KEY}` } });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: {
        type: 'invalid_request_error',
        message: expect.stringMatching(/^Unrecognized request URL \(GET: \/v1\/charges\)/),
      },
    });
  });
});

describe('idempotent requests', () => {
  it('replays the first result for the same key and parameters', async () => {
    const first = await create({ metadata: { orderId: 'o1' } }, { idempotencyKey: 'key-1' });
    const second = await create({ metadata: { orderId: 'o1' } }, { idempotencyKey: 'key-1' });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(env.fake.paymentIntents).toHaveLength(1);
  });

  it('refuses the same key with other parameters (idempotency_error)', async () => {
    await create({}, { idempotencyKey: 'key-2' });
    const err = await rejection(create({ amount: 2999 }, { idempotencyKey: 'key-2' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
    expect(env.fake.paymentIntents).toHaveLength(1);
  });

  it('replays a decline without charging the card again, while a new key tries again', async () => {
    const intent = await create();
    const confirmDeclined = (key: string) =>
      rejection(
        env.stripe.paymentIntents.confirm(
          intent.id,
          { payment_method: 'pm_card_chargeDeclined' },
          { idempotencyKey: key },
        ),
      );
    const first = await confirmDeclined('attempt-1');
    const replayed = await confirmDeclined('attempt-1');
    expect(replayed).toMatchObject({ statusCode: 402, code: 'card_declined' });
    expect(replayed.headers?.['idempotent-replayed']).toBe('true');
    expect(replayed.requestId).not.toBe(first.requestId);
    expect(env.fake.charges).toHaveLength(1);

    await confirmDeclined('attempt-2');
    expect(env.fake.charges).toHaveLength(2);
  });

  it('does not keep results of requests refused before running (bad parameters)', async () => {
    await rejection(create({ amount: 10 }, { idempotencyKey: 'key-3' }));
    const intent = await create({ amount: 1000 }, { idempotencyKey: 'key-3' });
    expect(intent.amount).toBe(1000);
  });
});

describe('webhooks', () => {
  it('sends events signed so that the real SDK verifies them', async () => {
    const receiver = await startWebhookReceiver();
    try {
      env.fake.setWebhookUrl(receiver.url);
      const intent = await create({ payment_method: 'pm_card_visa', confirm: true });
      await env.fake.flushWebhooks();

      const events = receiver.received.map(({ body, signature }) =>
        env.stripe.webhooks.constructEvent(body, signature, WEBHOOK_SECRET),
      );
      expect(events.map((event) => event.type)).toEqual(['payment_intent.created', 'payment_intent.succeeded']);
      expect(events[1].data.object).toMatchObject({ id: intent.id, status: 'succeeded', amount: 1999 });
      const [{ body, signature }] = receiver.received;
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(() => env.stripe.webhooks.constructEvent(body, signature, 'whsec_other')).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
      expect(() => env.stripe.webhooks.constructEvent(`${body} `, signature, WEBHOOK_SECRET)).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
    } finally {
      await receiver.stop();
    }
  });

  it('sends payment_intent.succeeded when the customer completes 3-D Secure', async () => {
    const receiver = await startWebhookReceiver();
    try {
      env.fake.setWebhookUrl(receiver.url);
      const intent = await create({ payment_method: 'pm_card_authenticationRequired', confirm: true });
      env.fake.completeAction(intent.id);
      await env.fake.flushWebhooks();
      const types = receiver.received.map(({ body }) => (JSON.parse(body) as { type: string }).type);
      expect(types).toEqual(['payment_intent.created', 'payment_intent.requires_action', 'payment_intent.succeeded']);
    } finally {
      await receiver.stop();
    }
  });

  it('retries a failed delivery with a fresh signature, and can resend an event', async () => {
    const receiver = await startWebhookReceiver([500, 503]);
    try {
      env.fake.setWebhookUrl(receiver.url);
      await create();
      await env.fake.flushWebhooks();
      expect(receiver.received).toHaveLength(3);
      const ids = receiver.received.map(({ body }) => (JSON.parse(body) as { id: string }).id);
      expect(new Set(ids).size).toBe(1);
      for (const { body, signature } of receiver.received) {
        expect(() => env.stripe.webhooks.constructEvent(body, signature, WEBHOOK_SECRET)).not.toThrow();
      }

      expect(await env.fake.resendEvent(ids[0])).toBe(200);
      expect(receiver.received).toHaveLength(4);
    } finally {
      await receiver.stop();
    }
  });

  it('gives up after a bounded number of attempts', async () => {
    const gaveUp: string[] = [];
    const limited = await startFakeStripe({
      secretKey: SECRET_KEY,
      webhookRetryDelayMs: 10,
      webhookMaxAttempts: 3,
      onWebhookGiveUp: (event) => gaveUp.push(event.type),
    });
    const receiver = await startWebhookReceiver([500, 500, 500, 500]);
    try {
      limited.setWebhookUrl(receiver.url);
      await sdkFor(limited).paymentIntents.create({ amount: 1000, currency: 'usd' });
      await limited.flushWebhooks();
      expect(receiver.received).toHaveLength(3);
      expect(gaveUp).toEqual(['payment_intent.created']);
    } finally {
      await receiver.stop();
      await limited.stop();
    }
  });

  it('records events without sending them while no endpoint is set', async () => {
    await create({ payment_method: 'pm_card_visa', confirm: true });
    await env.fake.flushWebhooks();
    expect(env.fake.events.map((event) => event.type)).toEqual(['payment_intent.created', 'payment_intent.succeeded']);
  });
});
