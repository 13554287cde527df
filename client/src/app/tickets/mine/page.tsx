import type { Metadata } from 'next';
import Link from 'next/link';
import { ActionButton } from '@/components/action-button';
import { LocalTime } from '@/components/local-time';
import { Pagination } from '@/components/pagination';
import { buttonClass, cardClass, linkClass } from '@/components/styles';
import { TicketStatusBadge } from '@/components/ticket-status-badge';
import { api } from '@/lib/api';
import { clientConfig } from '@/lib/config';
import { formatMoney, requestLocale } from '@/lib/format';
import { requireUser } from '@/lib/session';
import type { Ticket } from '@/lib/types';
import { withdrawTicket } from '../actions';

export const metadata: Metadata = { title: 'My listings' };

const PAGE_SIZE = 20;

export default async function MyTicketsPage({ searchParams }: { searchParams: Promise<{ cursor?: string }> }) {
  await requireUser('/tickets/mine');
  const { cursor } = await searchParams;
  const params = new URLSearchParams({ mine: 'true', limit: String(PAGE_SIZE) });
  if (typeof cursor === 'string') params.set('cursor', cursor);
  const [result, locale] = await Promise.all([api<Ticket[]>(`/api/tickets?${params}`), requestLocale()]);
  const { currency } = clientConfig();

  return (
    <div>
      <div className="mb-6 flex flex-wrap items-center justify-between gap-4">
        <h1 className="text-3xl font-bold">My listings</h1>
        <Link className={buttonClass()} href="/tickets/new">
          Sell a ticket
        </Link>
      </div>
      {!result.ok ? (
        <p role="alert" className={`${cardClass} text-red-800`}>
          {result.errors[0].message}
        </p>
      ) : result.data.length === 0 ? (
        <p className={`${cardClass} text-center text-lg`}>
          You have not listed any tickets yet.{' '}
          <Link className={linkClass} href="/tickets/new">
            List one
          </Link>
        </p>
      ) : (
        <ul className="space-y-3">
          {result.data.map((ticket) => (
            <li key={ticket.id} className={`${cardClass} flex flex-wrap items-center justify-between gap-4`}>
              <div className="min-w-0">
                <Link className={`${linkClass} text-lg break-words`} href={`/tickets/${ticket.id}`} prefetch={false}>
                  {ticket.title}
                </Link>
                <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-700">
                  <span className="font-semibold">{formatMoney(ticket.price, currency, locale)}</span>
                  <TicketStatusBadge status={ticket.status} />
                  {ticket.status === 'reserved' && ticket.reservedUntil && (
                    <span>
                      until <LocalTime iso={ticket.reservedUntil} />
                    </span>
                  )}
                </p>
              </div>
              {ticket.status === 'available' && (
                <div className="flex flex-wrap items-start gap-2">
                  <Link
                    className={buttonClass('secondary')}
                    href={`/tickets/${ticket.id}/edit`}
                    aria-label={`Edit ${ticket.title}`}
                  >
                    Edit
                  </Link>
                  <ActionButton
                    action={withdrawTicket.bind(null, ticket.id)}
                    label="Withdraw"
                    accessibleLabel={`Withdraw ${ticket.title} from sale`}
                    variant="danger"
                  />
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {result.ok && (
        <Pagination
          path="/tickets/mine"
          query={{}}
          hasPrevious={typeof cursor === 'string'}
          nextCursor={result.headers.get('x-next-cursor')}
        />
      )}
    </div>
  );
}
