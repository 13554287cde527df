import type { MailSettings } from '../config';
import { formatMoney } from '../money';
import type { EmailContent } from './render';

export interface ReservationExpiredFacts {
  orderId: string;
  ticketId: string;
  ticketTitle: string;
  /** The order's price, in currency units. */
  price: number;
}

/** To the buyer when their unpaid order expired (order.cancelled, reason expired). */
export function reservationExpiredEmail(facts: ReservationExpiredFacts, settings: MailSettings): EmailContent {
  return {
    subject: `Your reservation expired: ${facts.ticketTitle}`,
    preview: `Your order for ${facts.ticketTitle} was not paid in time.`,
    heading: 'Your reservation expired',
    paragraphs: [
      'Your order was not paid in time, so the ticket is no longer held for you and nothing was charged.',
      'If it is still for sale, you can order it again.',
    ],
    details: [
      { label: 'Ticket', value: facts.ticketTitle },
      { label: 'Price', value: formatMoney(facts.price, settings.currency) },
      { label: 'Order', value: facts.orderId },
    ],
    action: { label: 'See the ticket', url: `${settings.publicUrl}/tickets/${facts.ticketId}` },
    optional: true,
  };
}
