import type { Metadata } from 'next';
import Link from 'next/link';
import { ActionButton } from '@/components/action-button';
import { LocalTime } from '@/components/local-time';
import { buttonClass, cardClass, linkClass } from '@/components/styles';
import { TicketStatusBadge } from '@/components/ticket-status-badge';
import { clientConfig } from '@/lib/config';
import { formatMoney, requestLocale } from '@/lib/format';
import { currentUser } from '@/lib/session';
import { loadTicket } from '@/lib/tickets';
import { buyTicket, withdrawTicket } from '../actions';

interface TicketPageProps {
  params: Promise<{ id: string }>;
}

export async function generateMetadata({ params }: TicketPageProps): Promise<Metadata> {
  return { title: (await loadTicket((await params).id)).title };
}

export default async function TicketPage({ params }: TicketPageProps) {
  const { id } = await params;
  const [ticket, user, locale] = await Promise.all([loadTicket(id), currentUser(), requestLocale()]);
  const isSeller = user?.id === ticket.userId;

  return (
    <article className={`mx-auto max-w-2xl ${cardClass}`}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <h1 className="text-3xl font-bold break-words">{ticket.title}</h1>
        <TicketStatusBadge status={ticket.status} />
      </div>
      <p className="mt-3 text-2xl font-bold text-brand-700">
        {formatMoney(ticket.price, clientConfig().currency, locale)}
      </p>
      {ticket.createdAt && (
        <p className="mt-1 text-sm text-slate-600">
          Listed <LocalTime iso={ticket.createdAt} dateOnly />
        </p>
      )}

      <div className="mt-6 border-t border-slate-200 pt-6">
        {ticket.status === 'available' && !isSeller && (
          <ActionButton action={buyTicket.bind(null, ticket.id)} label="Buy this ticket" />
        )}
        {ticket.status === 'available' && isSeller && (
          <div className="flex flex-wrap items-start gap-3">
            <Link className={buttonClass('secondary')} href={`/tickets/${ticket.id}/edit`}>
              Edit
            </Link>
            <ActionButton action={withdrawTicket.bind(null, ticket.id)} label="Withdraw from sale" variant="danger" />
          </div>
        )}
        {ticket.status === 'reserved' && (
          <p className="text-slate-800">
            Someone is buying this ticket right now.
            {ticket.reservedUntil && (
              <>
                {' '}
                If they do not pay by <LocalTime iso={ticket.reservedUntil} />, it goes back on sale.
              </>
            )}
          </p>
        )}
        {ticket.status === 'sold' && <p className="text-slate-800">This ticket has been sold.</p>}
        {ticket.status === 'withdrawn' && <p className="text-slate-800">The seller has taken this ticket off sale.</p>}
        <p className="mt-6">
          <Link className={linkClass} href="/">
            Back to all tickets
          </Link>
        </p>
      </div>
    </article>
  );
}
