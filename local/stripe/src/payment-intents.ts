import { ChargeStore, type Charge } from './charges';
import { invalidRequest, StripeApiError } from './errors';
import type { FormObject } from './form';
import { stripeId } from './ids';
import {
  readBoolean,
  readExpand,
  readMetadata,
  readOptionalAmount,
  readOptionalString,
  readRequiredString,
  readStringArray,
  rejectUnknownParams,
} from './params';
import { TEST_PAYMENT_METHODS } from './test-cards';

export type PaymentIntentStatus =
  'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'succeeded' | 'canceled';

interface PaymentError {
  type: 'card_error';
  code: string;
  decline_code: string;
  message: string;
  payment_method: { id: string; object: 'payment_method'; type: 'card' };
}

/** The fields of Stripe's PaymentIntent object that the fake keeps. */
export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  automatic_payment_methods: { enabled: boolean; allow_redirects: 'always' | 'never' } | null;
  cancellation_reason: null;
  canceled_at: null;
  capture_method: 'automatic';
  client_secret: string;
  confirmation_method: 'automatic';
  created: number;
  currency: string;
  description: string | null;
  last_payment_error: PaymentError | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Record<string, string>;
  next_action: {
    type: 'use_stripe_sdk';
    use_stripe_sdk: { type: 'three_d_secure_redirect'; stripe_js: string };
  } | null;
  payment_method: string | null;
  payment_method_types: string[];
  return_url: string | null;
  status: PaymentIntentStatus;
}

/** A PaymentIntent as the API answers it: `latest_charge` is the Charge itself when `expand[]=latest_charge` asked for it. */
export type PaymentIntentResponse = Omit<PaymentIntent, 'latest_charge'> & { latest_charge: string | Charge | null };

export type PaymentIntentEventType =
  | 'payment_intent.created'
  | 'payment_intent.succeeded'
  | 'payment_intent.payment_failed'
  | 'payment_intent.requires_action';

// Stripe's smallest charge is about 0.50 in most currencies.
const MIN_AMOUNT = 50;
const MAX_AMOUNT = 99_999_999;
const CONFIRMABLE: PaymentIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const EXPANDABLE = ['latest_charge'] as const;
const CREATE_PARAMS = [
  'amount',
  'currency',
  'payment_method',
  'confirm',
  'metadata',
  'description',
  'automatic_payment_methods',
  'payment_method_types',
  'return_url',
  'expand',
];
const CONFIRM_PARAMS = ['payment_method', 'return_url', 'expand'];
const RETRIEVE_PARAMS = ['client_secret', 'expand'];

/**
 * PaymentIntents in memory with Stripe's state machine: create, confirm with a test payment
 * method (success, decline or 3-D Secure), completion of the customer's action. Each
 * confirmation that reaches the card records a Charge in `charges`. `emit` is told about every
 * event Stripe would send a webhook for.
 */
export class PaymentIntentStore {
  private readonly intents = new Map<string, PaymentIntent>();

  constructor(
    private readonly charges: ChargeStore,
    private readonly baseUrl: () => string,
    private readonly emit: (type: PaymentIntentEventType, intent: PaymentIntent) => void,
  ) {}

  list(): PaymentIntent[] {
    return [...this.intents.values()].map((intent) => structuredClone(intent));
  }

  /** The intent `id`, or undefined when there is none. */
  lookup(id: string): PaymentIntent | undefined {
    const intent = this.intents.get(id);
    return intent && structuredClone(intent);
  }

  retrieve(id: string, params: FormObject = {}): PaymentIntentResponse {
    rejectUnknownParams(params, RETRIEVE_PARAMS);
    return this.present(this.find(id), params);
  }

  create(params: FormObject): PaymentIntentResponse {
    rejectUnknownParams(params, CREATE_PARAMS);
    readExpand(params, EXPANDABLE);
    const amount = readAmount(params);
    const currency = readRequiredString(params, 'currency').toLowerCase();
    if (!/^[a-z]{3}$/.test(currency)) {
      throw invalidRequest(`Invalid currency: ${currency}.`, { code: 'parameter_invalid_string', param: 'currency' });
    }
    const paymentMethodTypes = readStringArray(params, 'payment_method_types');
    const automatic = readAutomaticPaymentMethods(params);
    const paymentMethod = readOptionalString(params, 'payment_method');
    if (paymentMethod) checkPaymentMethod(paymentMethod);
    const id = stripeId('pi');
    const intent: PaymentIntent = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      // Without explicit payment method types, current API versions turn automatic ones on.
      automatic_payment_methods:
        automatic ?? (paymentMethodTypes ? null : { enabled: true, allow_redirects: 'always' }),
      cancellation_reason: null,
      canceled_at: null,
      capture_method: 'automatic',
      client_secret: `${id}_secret_${stripeId('s').slice(2)}`,
      confirmation_method: 'automatic',
      created: Math.floor(Date.now() / 1000),
      currency,
      description: readOptionalString(params, 'description') ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: readMetadata(params),
      next_action: null,
      payment_method: paymentMethod ?? null,
      payment_method_types: paymentMethodTypes ?? ['card'],
      return_url: readOptionalString(params, 'return_url') ?? null,
      status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    };
    this.intents.set(id, intent);
    this.emit('payment_intent.created', intent);
    if (readBoolean(params, 'confirm')) this.confirmIntent(intent, {});
    return this.present(intent, params);
  }

  confirm(id: string, params: FormObject): PaymentIntentResponse {
    rejectUnknownParams(params, CONFIRM_PARAMS);
    readExpand(params, EXPANDABLE);
    const intent = this.find(id);
    this.confirmIntent(intent, params);
    return this.present(intent, params);
  }

  /** The customer finished 3-D Secure: the intent succeeds (Stripe then sends payment_intent.succeeded). */
  completeAction(id: string): PaymentIntent {
    const intent = this.find(id);
    if (intent.status !== 'requires_action') {
      throw invalidRequest(`PaymentIntent ${id} has status ${intent.status}, not requires_action.`, {
        code: 'payment_intent_unexpected_state',
        paymentIntent: structuredClone(intent),
      });
    }
    this.succeed(intent, intent.payment_method!);
    return structuredClone(intent);
  }

  private find(id: string): PaymentIntent {
    const intent = this.intents.get(id);
    if (!intent) {
      throw invalidRequest(`No such payment_intent: '${id}'`, {
        code: 'resource_missing',
        param: 'intent',
        statusCode: 404,
      });
    }
    return intent;
  }

  /** A copy of `intent` to answer with, its latest charge expanded when `params` ask for it. */
  private present(intent: PaymentIntent, params: FormObject): PaymentIntentResponse {
    const answer: PaymentIntentResponse = structuredClone(intent);
    if (intent.latest_charge && readExpand(params, EXPANDABLE).has('latest_charge')) {
      answer.latest_charge = this.charges.retrieve(intent.latest_charge);
    }
    return answer;
  }

  private confirmIntent(intent: PaymentIntent, params: FormObject): void {
    if (!CONFIRMABLE.includes(intent.status)) {
      throw invalidRequest(
        intent.status === 'succeeded'
          ? 'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.'
          : `You cannot confirm this PaymentIntent because it has a status of ${intent.status}.`,
        { code: 'payment_intent_unexpected_state', paymentIntent: structuredClone(intent) },
      );
    }
    const newPaymentMethod = readOptionalString(params, 'payment_method');
    if (newPaymentMethod) checkPaymentMethod(newPaymentMethod);
    const returnUrl = readOptionalString(params, 'return_url');
    const paymentMethod = newPaymentMethod ?? intent.payment_method;
    if (!paymentMethod) {
      throw invalidRequest(
        "You cannot confirm this PaymentIntent because it's missing a payment method. Specify a payment method with `payment_method`.",
        { code: 'payment_intent_unexpected_state', paymentIntent: structuredClone(intent) },
      );
    }
    if (intent.automatic_payment_methods?.allow_redirects === 'always' && !returnUrl && !intent.return_url) {
      throw invalidRequest(
        "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
        { param: 'return_url' },
      );
    }
    if (returnUrl) intent.return_url = returnUrl;
    intent.payment_method = paymentMethod;
    intent.last_payment_error = null;
    intent.next_action = null;

    const outcome = TEST_PAYMENT_METHODS[paymentMethod].outcome;
    switch (outcome.kind) {
      case 'succeed':
        this.succeed(intent, paymentMethod);
        return;
      case 'authenticate':
        intent.status = 'requires_action';
        intent.next_action = {
          type: 'use_stripe_sdk',
          use_stripe_sdk: {
            type: 'three_d_secure_redirect',
            stripe_js: `${this.baseUrl()}/_fake/authenticate/${intent.id}?client_secret=${encodeURIComponent(intent.client_secret)}`,
          },
        };
        this.emit('payment_intent.requires_action', intent);
        return;
      case 'decline': {
        const charge = this.charges.record({
          paymentIntent: intent.id,
          paymentMethod,
          amount: intent.amount,
          currency: intent.currency,
          failure: { code: 'card_declined', message: outcome.message },
        });
        intent.latest_charge = charge.id;
        intent.status = 'requires_payment_method';
        intent.payment_method = null;
        intent.last_payment_error = {
          type: 'card_error',
          code: 'card_declined',
          decline_code: outcome.declineCode,
          message: outcome.message,
          payment_method: { id: paymentMethod, object: 'payment_method', type: 'card' },
        };
        this.emit('payment_intent.payment_failed', intent);
        throw new StripeApiError(402, {
          type: 'card_error',
          code: 'card_declined',
          decline_code: outcome.declineCode,
          message: outcome.message,
          payment_intent: structuredClone(intent),
        });
      }
    }
  }

  private succeed(intent: PaymentIntent, paymentMethod: string): void {
    const charge = this.charges.record({
      paymentIntent: intent.id,
      paymentMethod,
      amount: intent.amount,
      currency: intent.currency,
    });
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.latest_charge = charge.id;
    intent.next_action = null;
    this.emit('payment_intent.succeeded', intent);
  }
}

function checkPaymentMethod(id: string): void {
  if (!(id in TEST_PAYMENT_METHODS)) {
    throw invalidRequest(`No such PaymentMethod: '${id}'`, { code: 'resource_missing', param: 'payment_method' });
  }
}

function readAmount(params: FormObject): number {
  const amount = readOptionalAmount(params, 'amount');
  if (amount === undefined) {
    throw invalidRequest('Missing required param: amount.', { code: 'parameter_missing', param: 'amount' });
  }
  if (amount < MIN_AMOUNT) {
    throw invalidRequest(`Amount must be at least ${MIN_AMOUNT} in the currency's smallest unit`, {
      code: 'amount_too_small',
      param: 'amount',
    });
  }
  if (amount > MAX_AMOUNT) {
    throw invalidRequest(`Amount must be no more than ${MAX_AMOUNT}`, { code: 'amount_too_large', param: 'amount' });
  }
  return amount;
}

function readAutomaticPaymentMethods(params: FormObject): PaymentIntent['automatic_payment_methods'] | undefined {
  const value = params.automatic_payment_methods;
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest('Invalid object', { code: 'parameter_invalid_object', param: 'automatic_payment_methods' });
  }
  rejectUnknownParams(value, ['enabled', 'allow_redirects']);
  const allowRedirects = readOptionalString(value, 'allow_redirects') ?? 'always';
  if (allowRedirects !== 'always' && allowRedirects !== 'never') {
    throw invalidRequest(`Invalid automatic_payment_methods[allow_redirects]: must be one of always, never`, {
      param: 'automatic_payment_methods[allow_redirects]',
    });
  }
  return readBoolean(value, 'enabled') ? { enabled: true, allow_redirects: allowRedirects } : null;
}
