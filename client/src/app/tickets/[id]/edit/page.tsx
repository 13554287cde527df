import type { Metadata } from 'next';
import Link from 'next/link';
import { cardClass, linkClass } from '@/components/styles';
import { requireUser } from '@/lib/session';
import { loadTicket } from '@/lib/tickets';
import type { Ticket } from '@/lib/types';
import { updateTicket } from '../../actions';
import { TicketForm } from '../../ticket-form';

export const metadata: Metadata = { title: 'Edit ticket' };

/** Why the seller cannot edit the ticket now, or undefined when they can. */
function whyNotEditable(ticket: Ticket): string | undefined {
  switch (ticket.status) {
    case 'reserved':
      return 'Someone is buying this ticket right now, so it cannot be changed. If they do not pay in time, you can edit it again.';
    case 'sold':
      return 'This ticket has been sold, so it can no longer be changed.';
    case 'withdrawn':
      return 'You took this ticket off sale, so it can no longer be changed.';
    default:
      return undefined;
  }
}

export default async function EditTicketPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/tickets/${id}/edit`);
  const ticket = await loadTicket(id);
  const blocked = ticket.userId === user.id ? whyNotEditable(ticket) : 'This ticket belongs to another user.';

  return (
    <div className={`mx-auto max-w-lg ${cardClass}`}>
      <h1 className="mb-6 text-2xl font-bold">Edit ticket</h1>
      {blocked ? (
        <div role="status" className="space-y-4">
          <p className="text-slate-800">{blocked}</p>
          <Link className={linkClass} href={`/tickets/${ticket.id}`}>
            Back to the ticket
          </Link>
        </div>
      ) : (
        <TicketForm
          action={updateTicket.bind(null, ticket.id, ticket.version)}
          submitLabel="Save changes"
          initial={{ title: ticket.title, price: String(ticket.price) }}
        />
      )}
    </div>
  );
}
