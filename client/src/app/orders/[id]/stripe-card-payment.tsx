'use client';

import { CardElement, Elements, useElements, useStripe } from '@stripe/react-stripe-js';
// The pure entry point loads Stripe.js only when asked, not as a side effect of being imported.
import type { Stripe } from '@stripe/stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';
import { useMemo, useState, useTransition } from 'react';
import { FormErrors } from '@/components/form-controls';
import { buttonClass } from '@/components/styles';
import type { PaymentState } from '@/lib/payment-state';

interface StripeCardPaymentProps {
  publishableKey: string;
  payAction: (previous: PaymentState, formData: FormData) => Promise<PaymentState>;
  initialState: PaymentState;
}

/** With real Stripe: Stripe Elements collects the card, and the API receives only its PaymentMethod id. */
export function StripeCardPayment({ publishableKey, ...props }: StripeCardPaymentProps) {
  const stripe = useMemo(() => loadStripe(publishableKey), [publishableKey]);
  return (
    <Elements stripe={stripe}>
      <CardForm {...props} />
    </Elements>
  );
}

function CardForm({ payAction, initialState }: Omit<StripeCardPaymentProps, 'publishableKey'>) {
  const stripe = useStripe();
  const elements = useElements();
  const [state, setState] = useState(initialState);
  const [pending, startTransition] = useTransition();

  const pay = (stripeClient: Stripe) =>
    startTransition(async () => {
      const card = elements?.getElement(CardElement);
      if (!card) return;
      const created = await stripeClient.createPaymentMethod({ type: 'card', card });
      if (created.error) {
        setState({
          ...state,
          errors: [{ message: created.error.message ?? 'The card was not accepted', field: 'paymentMethod' }],
        });
        return;
      }
      const formData = new FormData();
      formData.set('paymentMethod', created.paymentMethod.id);
      const answer = await payAction(state, formData);
      setState(answer);
      if (answer.clientSecret) {
        // 3-D Secure in Stripe's own dialog; Stripe's webhook then completes the payment.
        const next = await stripeClient.handleNextAction({ clientSecret: answer.clientSecret });
        if (next.error)
          setState({
            ...answer,
            errors: [{ message: next.error.message ?? 'Authentication failed', field: 'paymentMethod' }],
          });
      }
    });

  return (
    <form
      className="space-y-4"
      onSubmit={(event) => {
        event.preventDefault();
        if (stripe) pay(stripe);
      }}
    >
      <FormErrors state={state} fields={[]} />
      <div className="rounded-md border border-slate-300 bg-white p-3">
        <CardElement options={{ hidePostalCode: true }} />
      </div>
      {state.paid ? (
        <p role="status" className="text-sm text-slate-800">
          Payment received: confirming your order…
        </p>
      ) : (
        <button type="submit" disabled={pending || !stripe} className={buttonClass()}>
          {pending ? 'Paying…' : 'Pay now'}
        </button>
      )}
    </form>
  );
}
