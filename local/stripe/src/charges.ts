import { invalidRequest } from './errors';
import { stripeId } from './ids';
import { cardDetails, type CardDetails } from './test-cards';

/** One attempt to move money: Stripe records a Charge per confirmation that reaches the card. */
export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  created: number;
  currency: string;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Record<string, string>;
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  payment_method_details: { type: 'card'; card: CardDetails };
  /** True once the whole amount went back to the customer. */
  refunded: boolean;
  status: 'succeeded' | 'failed';
}

export interface ChargeAttempt {
  paymentIntent: string;
  paymentMethod: string;
  amount: number;
  currency: string;
  /** Absent when the charge succeeded. */
  failure?: { code: string; message: string };
}

/** Every Charge made, in creation order. */
export class ChargeStore {
  private readonly charges = new Map<string, Charge>();

  list(): Charge[] {
    return [...this.charges.values()].map((charge) => structuredClone(charge));
  }

  retrieve(id: string): Charge {
    return structuredClone(this.find(id, 'id', 404));
  }

  record(attempt: ChargeAttempt): Charge {
    const succeeded = !attempt.failure;
    const charge: Charge = {
      id: stripeId('ch'),
      object: 'charge',
      amount: attempt.amount,
      amount_captured: succeeded ? attempt.amount : 0,
      amount_refunded: 0,
      captured: succeeded,
      created: Math.floor(Date.now() / 1000),
      currency: attempt.currency,
      failure_code: attempt.failure?.code ?? null,
      failure_message: attempt.failure?.message ?? null,
      livemode: false,
      metadata: {},
      paid: succeeded,
      payment_intent: attempt.paymentIntent,
      payment_method: attempt.paymentMethod,
      payment_method_details: { type: 'card', card: cardDetails(attempt.paymentMethod) },
      refunded: false,
      status: succeeded ? 'succeeded' : 'failed',
    };
    this.charges.set(charge.id, charge);
    return structuredClone(charge);
  }

  /**
   * The charge `id` to refund `amount` of (all that is left when absent), refused as Stripe
   * refuses it: failed, already fully refunded, or less left than asked. `param` names where the
   * id came from, for the error.
   */
  refundable(id: string, param: string, amount: number | undefined): { charge: Charge; amount: number } {
    const charge = this.find(id, param, 400);
    if (charge.status !== 'succeeded') {
      throw invalidRequest(`Charge ${id} has failed and cannot be refunded.`, { code: 'charge_not_refundable' });
    }
    if (charge.refunded) {
      throw invalidRequest(`Charge ${id} has already been refunded.`, { code: 'charge_already_refunded' });
    }
    const left = charge.amount_captured - charge.amount_refunded;
    if (amount !== undefined && amount > left) {
      throw invalidRequest(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${left}), in the currency's smallest unit.`,
        { code: 'amount_too_large', param: 'amount' },
      );
    }
    return { charge: structuredClone(charge), amount: amount ?? left };
  }

  /** Records `amount` as given back; the charge is `refunded` once nothing is left. */
  applyRefund(id: string, amount: number): Charge {
    const charge = this.find(id, 'id', 404);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount_captured;
    return structuredClone(charge);
  }

  private find(id: string, param: string, statusCode: number): Charge {
    const charge = this.charges.get(id);
    if (!charge) {
      throw invalidRequest(`No such charge: '${id}'`, { code: 'resource_missing', param, statusCode });
    }
    return charge;
  }
}
