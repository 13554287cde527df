import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { cardClass, linkClass } from '@/components/styles';
import { api } from '@/lib/api';
import { clientConfig } from '@/lib/config';
import { formatMoney, requestLocale } from '@/lib/format';
import { newPaymentState } from '@/lib/payment-state';
import { requireUser } from '@/lib/session';
import type { Order } from '@/lib/types';
import { cancelOrder, payOrder } from '../actions';
import { OrderLive } from './order-live';

export const metadata: Metadata = { title: 'Order' };

export default async function OrderPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireUser(`/orders/${id}`);
  const [result, locale] = await Promise.all([api<Order>(`/api/orders/${encodeURIComponent(id)}`), requestLocale()]);
  if (result.status === 404) notFound();
  if (result.status === 403) {
    return (
      <div role="alert" className={`mx-auto max-w-lg ${cardClass}`}>
        <h1 className="mb-2 text-2xl font-bold">Not your order</h1>
        <p className="text-slate-800">This order belongs to another user.</p>
        <Link className={linkClass} href="/orders">
          See your orders
        </Link>
      </div>
    );
  }
  if (!result.ok) throw new Error(result.errors[0].message);
  const order = result.data;
  const { currency, stripePublishableKey } = clientConfig();

  return (
    <OrderLive
      initialOrder={order}
      priceText={formatMoney(order.ticket.price, currency, locale)}
      stripePublishableKey={stripePublishableKey}
      payAction={payOrder.bind(null, order.id)}
      cancelAction={cancelOrder.bind(null, order.id)}
      initialPaymentState={newPaymentState()}
    />
  );
}
