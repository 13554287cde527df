'use client';

import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useEffect } from 'react';
import { ActionButton } from '@/components/action-button';
import { LocalTime } from '@/components/local-time';
import { orderStatusText } from '@/components/order-status';
import { cardClass, linkClass } from '@/components/styles';
import type { FormState } from '@/lib/form-state';
import type { PaymentState } from '@/lib/payment-state';
import type { Order } from '@/lib/types';
import { TestCardPayment } from './test-card-payment';
import { useLiveOrder, useTimeLeft } from './use-live-order';

export interface OrderLiveProps {
  initialOrder: Order;
  priceText: string;
  stripePublishableKey: string | undefined;
  payAction: (previous: PaymentState, formData: FormData) => Promise<PaymentState>;
  cancelAction: (previous: FormState) => Promise<FormState>;
  initialPaymentState: PaymentState;
}

// Loaded only when real Stripe is configured: the test-card form needs none of Stripe.js.
const StripeCardPayment = dynamic(() => import('./stripe-card-payment').then((module) => module.StripeCardPayment), {
  ssr: false,
});

const CARD_BRANDS: Record<string, string> = {
  amex: 'American Express',
  diners: 'Diners Club',
  discover: 'Discover',
  jcb: 'JCB',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

/** Stripe's card brand code as people write it: `visa` is Visa. */
function cardBrandName(brand: string): string {
  return CARD_BRANDS[brand] ?? brand;
}

function formatTimeLeft(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

const CANCEL_EXPLANATIONS: Record<string, string> = {
  expired: 'The reservation ran out before the order was paid, so the ticket went back on sale.',
  requested_by_buyer: 'You cancelled this order, so the ticket went back on sale.',
  ticket_withdrawn: 'The seller took the ticket off sale before your order reached it.',
};

/** An order that keeps itself up to date: countdown, payment, and whatever happens to it elsewhere. */
export function OrderLive({
  initialOrder,
  priceText,
  stripePublishableKey,
  payAction,
  cancelAction,
  initialPaymentState,
}: OrderLiveProps) {
  const { order, live, refresh } = useLiveOrder(initialOrder);
  const timeLeft = useTimeLeft(order.expiresAt);
  const expiredHere = order.status === 'created' && timeLeft === 0;

  // The expiration is the orders service's to decide: at zero, ask it rather than wait for the stream.
  useEffect(() => {
    if (expiredHere) refresh();
  }, [expiredHere, refresh]);

  return (
    <article className={`mx-auto max-w-2xl ${cardClass}`} data-live={live ? 'true' : 'false'}>
      <p className="text-sm font-medium text-slate-600">Order</p>
      <h1 className="text-3xl font-bold break-words">{order.ticket.title}</h1>
      <p className="mt-2 text-2xl font-bold text-brand-700">{priceText}</p>

      <div className="mt-6 rounded-md bg-slate-100 p-4" role="status" aria-live="polite">
        <p className="text-lg font-semibold" data-testid="order-status">
          {orderStatusText(order)}
        </p>
        {order.status === 'created' &&
          (timeLeft === null ? (
            <p className="text-slate-800">
              Reserved for you until <LocalTime iso={order.expiresAt} />.
            </p>
          ) : timeLeft > 0 ? (
            <p className="text-slate-800">
              Reserved for you for another <span className="font-mono font-semibold">{formatTimeLeft(timeLeft)}</span>.
              Pay before then to keep it.
            </p>
          ) : (
            <p className="text-slate-800">Time is up: releasing your reservation…</p>
          ))}
        {order.status === 'complete' && <p className="text-slate-800">The ticket is yours.</p>}
        {order.status === 'cancelled' && order.cancelReason && (
          <p className="text-slate-800">{CANCEL_EXPLANATIONS[order.cancelReason]}</p>
        )}
      </div>

      {order.payment && (
        <dl className="mt-6 grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
          <dt className="font-medium text-slate-600">Paid</dt>
          <dd>
            {priceText} on <LocalTime iso={order.payment.paidAt} />
          </dd>
          {order.payment.card && (
            <>
              <dt className="font-medium text-slate-600">Card</dt>
              <dd>
                {cardBrandName(order.payment.card.brand)} ending {order.payment.card.last4}
              </dd>
            </>
          )}
          {order.payment.status === 'refunded' && (
            <>
              <dt className="font-medium text-slate-600">Refunded</dt>
              <dd>{order.payment.refundedAt ? <LocalTime iso={order.payment.refundedAt} /> : 'Yes'}</dd>
            </>
          )}
        </dl>
      )}
      {order.status === 'cancelled' && order.payment?.status === 'succeeded' && (
        <p className="mt-4 text-sm text-slate-800">Your payment arrived after the order ended: it is being refunded.</p>
      )}

      {order.status === 'created' && !expiredHere && (
        <section aria-labelledby="pay-heading" className="mt-8 border-t border-slate-200 pt-6">
          <h2 id="pay-heading" className="mb-4 text-xl font-semibold">
            Pay {priceText}
          </h2>
          {stripePublishableKey ? (
            <StripeCardPayment
              publishableKey={stripePublishableKey}
              payAction={payAction}
              initialState={initialPaymentState}
            />
          ) : (
            <TestCardPayment payAction={payAction} initialState={initialPaymentState} />
          )}
          <div className="mt-6">
            <ActionButton action={cancelAction} label="Cancel order" variant="secondary" />
          </div>
        </section>
      )}

      <p className="mt-8 flex flex-wrap gap-4 text-sm">
        <Link className={linkClass} href={`/tickets/${order.ticket.id}`}>
          See the ticket
        </Link>
        <Link className={linkClass} href="/orders">
          All my orders
        </Link>
      </p>
    </article>
  );
}
