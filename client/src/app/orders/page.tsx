import type { Metadata } from 'next';
import Link from 'next/link';
import { LocalTime } from '@/components/local-time';
import { orderStatusText } from '@/components/order-status';
import { Pagination } from '@/components/pagination';
import { cardClass, linkClass } from '@/components/styles';
import { api } from '@/lib/api';
import { clientConfig } from '@/lib/config';
import { formatMoney, requestLocale } from '@/lib/format';
import { requireUser } from '@/lib/session';
import type { Order } from '@/lib/types';

export const metadata: Metadata = { title: 'My orders' };

const PAGE_SIZE = 20;

export default async function OrdersPage({ searchParams }: { searchParams: Promise<{ cursor?: string }> }) {
  await requireUser('/orders');
  const { cursor } = await searchParams;
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (typeof cursor === 'string') params.set('cursor', cursor);
  const [result, locale] = await Promise.all([api<Order[]>(`/api/orders?${params}`), requestLocale()]);
  const { currency } = clientConfig();

  return (
    <div>
      <h1 className="mb-6 text-3xl font-bold">My orders</h1>
      {!result.ok ? (
        <p role="alert" className={`${cardClass} text-red-800`}>
          {result.errors[0].message}
        </p>
      ) : result.data.length === 0 ? (
        <p className={`${cardClass} text-center text-lg`}>
          You have no orders yet.{' '}
          <Link className={linkClass} href="/">
            Find a ticket
          </Link>
        </p>
      ) : (
        <ul className="space-y-3">
          {result.data.map((order) => (
            <li key={order.id}>
              <Link
                href={`/orders/${order.id}`}
                prefetch={false}
                className={`${cardClass} flex flex-wrap items-center justify-between gap-3 hover:border-brand-600`}
              >
                <span className="min-w-0">
                  <span className="block text-lg font-semibold break-words">{order.ticket.title}</span>
                  {order.createdAt && (
                    <span className="text-sm text-slate-600">
                      Ordered <LocalTime iso={order.createdAt} />
                    </span>
                  )}
                </span>
                <span className="text-right">
                  <span className="block font-semibold">{formatMoney(order.ticket.price, currency, locale)}</span>
                  <span className="text-sm text-slate-700">{orderStatusText(order)}</span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      {result.ok && (
        <Pagination
          path="/orders"
          query={{}}
          hasPrevious={typeof cursor === 'string'}
          nextCursor={result.headers.get('x-next-cursor')}
        />
      )}
    </div>
  );
}
