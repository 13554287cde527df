import type { Charge, ChargeStore } from './charges';
import { invalidRequest } from './errors';
import type { FormObject } from './form';
import { stripeId } from './ids';
import { readMetadata, readOptionalAmount, readOptionalString, rejectUnknownParams } from './params';
import type { PaymentIntentStore } from './payment-intents';

/** The fields of Stripe's Refund object that the fake keeps. */
export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: null;
  charge: string;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: RefundReason | null;
  receipt_number: null;
  /** Card refunds succeed at once. */
  status: 'succeeded';
}

const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;
type RefundReason = (typeof REASONS)[number];

export type RefundEvent = { type: 'refund.created'; object: Refund } | { type: 'charge.refunded'; object: Charge };

const CREATE_PARAMS = ['payment_intent', 'charge', 'amount', 'reason', 'metadata'];

/**
 * Refunds in memory: all of a charge or part of it, given the charge or its PaymentIntent, until
 * nothing is left to give back. `emit` is told about the events Stripe sends for each refund.
 */
export class RefundStore {
  private readonly refunds: Refund[] = [];

  constructor(
    private readonly charges: ChargeStore,
    private readonly intents: PaymentIntentStore,
    private readonly emit: (event: RefundEvent) => void,
  ) {}

  list(): Refund[] {
    return this.refunds.map((refund) => structuredClone(refund));
  }

  create(params: FormObject): Refund {
    rejectUnknownParams(params, CREATE_PARAMS);
    const { chargeId, param } = this.chargeToRefund(params);
    const reason = readReason(params);
    const metadata = readMetadata(params);
    const { charge, amount } = this.charges.refundable(chargeId, param, readOptionalAmount(params, 'amount'));
    const refund: Refund = {
      id: stripeId('re'),
      object: 'refund',
      amount,
      balance_transaction: null,
      charge: charge.id,
      created: Math.floor(Date.now() / 1000),
      currency: charge.currency,
      metadata,
      payment_intent: charge.payment_intent,
      reason,
      receipt_number: null,
      status: 'succeeded',
    };
    this.refunds.push(refund);
    const refundedCharge = this.charges.applyRefund(charge.id, amount);
    this.emit({ type: 'refund.created', object: structuredClone(refund) });
    this.emit({ type: 'charge.refunded', object: refundedCharge });
    return structuredClone(refund);
  }

  /** The charge named by `charge`, or the successful charge of `payment_intent` (exactly one of them). */
  private chargeToRefund(params: FormObject): { chargeId: string; param: string } {
    const chargeId = readOptionalString(params, 'charge');
    const intentId = readOptionalString(params, 'payment_intent');
    if (chargeId && intentId) {
      throw invalidRequest('You can only pass one of charge or payment_intent.', { param: 'payment_intent' });
    }
    if (chargeId) return { chargeId, param: 'charge' };
    if (!intentId) {
      throw invalidRequest(
        'One of the following params should be provided for this request: payment_intent or charge.',
        {
          code: 'parameter_missing',
        },
      );
    }
    const intent = this.intents.lookup(intentId);
    if (!intent) {
      throw invalidRequest(`No such payment_intent: '${intentId}'`, {
        code: 'resource_missing',
        param: 'payment_intent',
      });
    }
    if (intent.status !== 'succeeded' || !intent.latest_charge) {
      throw invalidRequest(`This PaymentIntent (${intentId}) does not have a successful charge to refund.`, {
        code: 'charge_not_refundable',
        param: 'payment_intent',
      });
    }
    return { chargeId: intent.latest_charge, param: 'payment_intent' };
  }
}

function readReason(params: FormObject): RefundReason | null {
  const reason = readOptionalString(params, 'reason');
  if (reason === undefined) return null;
  if (!(REASONS as readonly string[]).includes(reason)) {
    throw invalidRequest(`Invalid reason: must be one of ${REASONS.join(', ')}`, { param: 'reason' });
  }
  return reason as RefundReason;
}
