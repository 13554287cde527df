'use client';

import { useActionState } from 'react';
import { FormErrors, SubmitButton } from '@/components/form-controls';
import { linkClass } from '@/components/styles';
import type { PaymentState } from '@/lib/payment-state';
import { TEST_CARDS } from '@/lib/test-cards';

interface TestCardPaymentProps {
  payAction: (previous: PaymentState, formData: FormData) => Promise<PaymentState>;
  initialState: PaymentState;
}

/** With the fake Stripe API: pick one of Stripe's test cards, each with a known outcome. */
export function TestCardPayment({ payAction, initialState }: TestCardPaymentProps) {
  const [state, formAction] = useActionState(payAction, initialState);
  const chosen = state.values.paymentMethod ?? TEST_CARDS[0].paymentMethod;
  const error = state.errors.find((entry) => entry.field === 'paymentMethod')?.message;
  return (
    <form action={formAction} className="space-y-4">
      <FormErrors state={state} fields={['paymentMethod']} />
      <fieldset aria-describedby={error ? 'payment-error' : 'payment-hint'}>
        <legend className="mb-2 text-sm font-medium text-slate-800">Test card</legend>
        <p id="payment-hint" className="mb-3 text-sm text-slate-600">
          This shop runs against a test payment provider: no real money moves. Each card behaves as described.
        </p>
        <div className="space-y-2">
          {TEST_CARDS.map((card) => (
            <label
              key={card.paymentMethod}
              className="flex cursor-pointer items-center gap-3 rounded-md border border-slate-300 bg-white p-3 has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50"
            >
              <input
                type="radio"
                name="paymentMethod"
                value={card.paymentMethod}
                defaultChecked={card.paymentMethod === chosen}
              />
              <span>
                <span className="font-medium">{card.label}</span>{' '}
                <span className="text-slate-700">— {card.outcome}</span>
              </span>
            </label>
          ))}
        </div>
        {error && (
          <p id="payment-error" role="alert" className="mt-2 text-sm font-medium text-red-700">
            {error}
          </p>
        )}
      </fieldset>
      {state.authenticationUrl ? (
        <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950">
          <p className="font-medium">Your bank asks you to confirm this payment.</p>
          <p className="mt-1">
            <a className={linkClass} href={state.authenticationUrl} target="_blank" rel="noopener noreferrer">
              Authenticate the payment (opens in a new tab)
            </a>
            . This page updates by itself once it is done.
          </p>
        </div>
      ) : state.paid ? (
        <p role="status" className="text-sm text-slate-800">
          Payment received: confirming your order…
        </p>
      ) : (
        <SubmitButton>Pay now</SubmitButton>
      )}
    </form>
  );
}
