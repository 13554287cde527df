import type { MailSettings } from '../config';
import { formatMoney } from '../money';
import type { EmailContent } from './render';

export interface RefundFacts {
  orderId: string;
  ticketTitle: string;
  /** What went back to the buyer, in `currency` units. */
  amount: number;
  currency: string;
}

/** To the buyer when their payment was refunded (payment.refunded). */
export function refundEmail(facts: RefundFacts, settings: MailSettings): EmailContent {
  const amount = formatMoney(facts.amount, facts.currency);
  return {
    subject: `Your payment was refunded: ${facts.ticketTitle}`,
    preview: `${amount} is on its way back to you.`,
    heading: 'Your payment was refunded',
    paragraphs: [`We refunded ${amount} to the card you paid with. Your bank may take a few days to show it.`],
    details: [
      { label: 'Ticket', value: facts.ticketTitle },
      { label: 'Refunded', value: amount },
      { label: 'Order', value: facts.orderId },
    ],
    action: { label: 'View your order', url: `${settings.publicUrl}/orders/${facts.orderId}` },
  };
}
