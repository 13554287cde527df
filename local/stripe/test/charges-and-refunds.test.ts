import Stripe from 'stripe';
import { NO_REDIRECTS, rejection, startWebhookReceiver, useTestFake, WEBHOOK_SECRET } from './helpers';

const env = useTestFake();

/** A PaymentIntent confirmed at creation with `paymentMethod`, its latest charge expanded. */
function pay(paymentMethod = 'pm_card_visa', amount = 2500) {
  return env.stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    automatic_payment_methods: NO_REDIRECTS,
    payment_method: paymentMethod,
    confirm: true,
    expand: ['latest_charge'],
  });
}

function chargeOf(intent: Stripe.PaymentIntent): Stripe.Charge {
  expect(typeof intent.latest_charge).toBe('object');
  return intent.latest_charge as Stripe.Charge;
}

describe('card details', () => {
  const nextYear = new Date().getUTCFullYear() + 1;

  it.each([
    ['pm_card_visa', 'visa', '4242', 'US'],
    ['pm_card_mastercard', 'mastercard', '4444', 'US'],
  ])('puts the card of %s on its charge: %s ending in %s', async (paymentMethod, brand, last4, country) => {
    const charge = chargeOf(await pay(paymentMethod));
    expect(charge.payment_method_details).toEqual({
      type: 'card',
      card: { brand, last4, exp_month: 12, exp_year: nextYear, funding: 'credit', country },
    });
  });

  it.each([
    ['pm_card_chargeDeclined', '0002'],
    ['pm_card_chargeDeclinedInsufficientFunds', '9995'],
  ])('puts the card of %s on the failed charge too', async (paymentMethod, last4) => {
    await rejection(pay(paymentMethod));
    const [charge] = env.fake.charges;
    expect(charge).toMatchObject({
      status: 'failed',
      paid: false,
      failure_code: 'card_declined',
      payment_method_details: { type: 'card', card: { brand: 'visa', last4 } },
    });
  });

  it('charges the German 3-D Secure card once the customer authenticated', async () => {
    const intent = await pay('pm_card_authenticationRequired');
    expect(intent.latest_charge).toBeNull();
    env.fake.completeAction(intent.id);
    const charge = chargeOf(await env.stripe.paymentIntents.retrieve(intent.id, { expand: ['latest_charge'] }));
    expect(charge.payment_method_details?.card).toMatchObject({ brand: 'visa', last4: '3184', country: 'DE' });
  });
});

describe('expanding latest_charge', () => {
  it('gives the charge id by default and the Charge when expanded, on confirm and retrieve', async () => {
    const created = await env.stripe.paymentIntents.create({
      amount: 1999,
      currency: 'usd',
      automatic_payment_methods: NO_REDIRECTS,
    });
    const confirmed = await env.stripe.paymentIntents.confirm(created.id, {
      payment_method: 'pm_card_visa',
      expand: ['latest_charge'],
    });
    const charge = chargeOf(confirmed);
    expect(charge).toMatchObject({
      object: 'charge',
      amount: 1999,
      amount_captured: 1999,
      amount_refunded: 0,
      captured: true,
      paid: true,
      refunded: false,
      status: 'succeeded',
      payment_intent: created.id,
      payment_method: 'pm_card_visa',
    });
    expect((await env.stripe.paymentIntents.retrieve(created.id)).latest_charge).toBe(charge.id);
    expect(chargeOf(await env.stripe.paymentIntents.retrieve(created.id, { expand: ['latest_charge'] })).id).toBe(
      charge.id,
    );
  });

  it('refuses to expand what cannot be expanded', async () => {
    const err = await rejection(
      env.stripe.paymentIntents.create({ amount: 1999, currency: 'usd', expand: ['customer'] }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, message: 'This property cannot be expanded (customer).' });
    expect(env.fake.paymentIntents).toEqual([]);
  });
});

describe('GET /v1/charges/:id', () => {
  it('retrieves a charge as it is now', async () => {
    const charge = chargeOf(await pay());
    expect(await env.stripe.charges.retrieve(charge.id)).toMatchObject({
      id: charge.id,
      amount: 2500,
      refunded: false,
    });
  });

  it('answers 404 resource_missing for an unknown charge', async () => {
    expect(await rejection(env.stripe.charges.retrieve('ch_missing'))).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: "No such charge: 'ch_missing'",
    });
  });
});

describe('refunds', () => {
  it('refunds all of a PaymentIntent: the Refund, the charge refunded, refund.created and charge.refunded', async () => {
    const intent = await pay();
    const charge = chargeOf(intent);
    const refund = await env.stripe.refunds.create({
      payment_intent: intent.id,
      reason: 'requested_by_customer',
      metadata: { orderId: 'order-1' },
    });
    expect(refund).toMatchObject({
      object: 'refund',
      amount: 2500,
      currency: 'usd',
      charge: charge.id,
      payment_intent: intent.id,
      reason: 'requested_by_customer',
      metadata: { orderId: 'order-1' },
      status: 'succeeded',
    });
    expect(refund.id).toMatch(/^re_/);
    expect(await env.stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 2500, refunded: true });
    expect(env.fake.refunds).toEqual([refund]);

    const refundEvents = env.fake.events.filter((event) => !event.type.startsWith('payment_intent.'));
    expect(refundEvents.map((event) => event.type)).toEqual(['refund.created', 'charge.refunded']);
    expect(refundEvents[0].data.object).toEqual(refund);
    expect(refundEvents[1].data.object).toMatchObject({ object: 'charge', id: charge.id, refunded: true });
  });

  it('refunds part of a charge, then the rest, then refuses: charge_already_refunded', async () => {
    const charge = chargeOf(await pay());
    await env.stripe.refunds.create({ charge: charge.id, amount: 1000 });
    expect(await env.stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 1000, refunded: false });
    expect(await rejection(env.stripe.refunds.create({ charge: charge.id, amount: 1501 }))).toMatchObject({
      statusCode: 400,
      code: 'amount_too_large',
      param: 'amount',
    });

    const rest = await env.stripe.refunds.create({ charge: charge.id });
    expect(rest.amount).toBe(1500);
    expect(await env.stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 2500, refunded: true });
    const again = await rejection(env.stripe.refunds.create({ charge: charge.id }));
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(again).toMatchObject({
      statusCode: 400,
      code: 'charge_already_refunded',
      message: `Charge ${charge.id} has already been refunded.`,
    });
    expect(env.fake.refunds.map((refund) => refund.amount)).toEqual([1000, 1500]);
  });

  it('answers Stripe errors for what cannot be refunded or is asked wrongly', async () => {
    const paid = await pay();
    await rejection(pay('pm_card_chargeDeclined'));
    const declined = env.fake.paymentIntents.find((intent) => intent.status === 'requires_payment_method')!;
    const failedCharge = env.fake.charges.find((charge) => charge.status === 'failed')!;

    expect(await rejection(env.stripe.refunds.create({ payment_intent: 'pi_missing' }))).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'payment_intent',
    });
    expect(await rejection(env.stripe.refunds.create({ charge: 'ch_missing' }))).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'charge',
    });
    expect(await rejection(env.stripe.refunds.create({ payment_intent: declined.id }))).toMatchObject({
      code: 'charge_not_refundable',
    });
    expect(await rejection(env.stripe.refunds.create({ charge: failedCharge.id }))).toMatchObject({
      code: 'charge_not_refundable',
    });
    expect(await rejection(env.stripe.refunds.create({}))).toMatchObject({ code: 'parameter_missing' });
    expect(
      await rejection(env.stripe.refunds.create({ payment_intent: paid.id, charge: chargeOf(paid).id })),
    ).toMatchObject({ statusCode: 400 });
    expect(await rejection(env.stripe.refunds.create({ payment_intent: paid.id, reason: 'bored' }))).toMatchObject({
      param: 'reason',
    });
    expect(await rejection(env.stripe.refunds.create({ payment_intent: paid.id, amount: 0 }))).toMatchObject({
      code: 'parameter_invalid_integer',
      param: 'amount',
    });
    expect(await rejection(env.stripe.refunds.create({ payment_intent: paid.id, currency: 'usd' }))).toMatchObject({
      code: 'parameter_unknown',
      param: 'currency',
    });
    expect(env.fake.refunds).toEqual([]);
  });

  it('replays a refund for the same idempotency key, refunding once', async () => {
    const intent = await pay();
    const first = await env.stripe.refunds.create({ payment_intent: intent.id }, { idempotencyKey: 'refund-1' });
    const replay = await env.stripe.refunds.create({ payment_intent: intent.id }, { idempotencyKey: 'refund-1' });
    expect(replay.id).toBe(first.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(env.fake.refunds).toHaveLength(1);
    expect(
      await rejection(
        env.stripe.refunds.create({ payment_intent: intent.id, amount: 5 }, { idempotencyKey: 'refund-1' }),
      ),
    ).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('sends refund.created and charge.refunded signed so that the SDK verifies them', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const intent = await pay();
      env.fake.setWebhookUrl(receiver.url);
      await env.stripe.refunds.create({ payment_intent: intent.id });
      await env.fake.flushWebhooks();
      const events = receiver.received.map(({ body, signature }) =>
        env.stripe.webhooks.constructEvent(body, signature, WEBHOOK_SECRET),
      );
      expect(events.map((event) => event.type)).toEqual(['refund.created', 'charge.refunded']);
      const refunded = events[1].data.object as Stripe.Charge;
      expect(refunded).toMatchObject({ payment_intent: intent.id, amount_refunded: 2500, refunded: true });
    } finally {
      await receiver.stop();
    }
  });
});

describe('outage', () => {
  it('refuses connections while offline and answers again, with its state, once online', async () => {
    const intent = await pay();
    await env.fake.goOffline();
    const offline = new Stripe(env.fake.secretKey, {
      host: env.fake.host,
      port: env.fake.port,
      protocol: env.fake.protocol,
      maxNetworkRetries: 0,
    });
    expect(await rejection(offline.paymentIntents.retrieve(intent.id))).toBeInstanceOf(
      Stripe.errors.StripeConnectionError,
    );
    await env.fake.goOnline();
    expect((await offline.paymentIntents.retrieve(intent.id)).status).toBe('succeeded');
  });
});
