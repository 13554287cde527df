import type { MailSettings } from '../config';
import { formatMoney } from '../money';
import type { EmailContent } from './render';

export interface TicketSoldFacts {
  ticketId: string;
  ticketTitle: string;
  /** What the buyer paid, in currency units. */
  price: number;
}

/** To the seller when an order for their ticket is paid (order.completed). */
export function ticketSoldEmail(facts: TicketSoldFacts, settings: MailSettings): EmailContent {
  const price = formatMoney(facts.price, settings.currency);
  return {
    subject: `Your ticket sold: ${facts.ticketTitle}`,
    preview: `${facts.ticketTitle} sold for ${price}.`,
    heading: 'Your ticket sold',
    paragraphs: [`A buyer paid for your ticket.`],
    details: [
      { label: 'Ticket', value: facts.ticketTitle },
      { label: 'Price', value: price },
    ],
    action: { label: 'See your listings', url: `${settings.publicUrl}/tickets/mine` },
    optional: true,
  };
}
