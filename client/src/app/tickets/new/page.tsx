import type { Metadata } from 'next';
import { cardClass } from '@/components/styles';
import { requireUser } from '@/lib/session';
import { createTicket } from '../actions';
import { TicketForm } from '../ticket-form';

export const metadata: Metadata = { title: 'Sell a ticket' };

export default async function NewTicketPage() {
  await requireUser('/tickets/new');
  return (
    <div className={`mx-auto max-w-lg ${cardClass}`}>
      <h1 className="mb-6 text-2xl font-bold">Sell a ticket</h1>
      <TicketForm action={createTicket} submitLabel="List ticket" />
    </div>
  );
}
