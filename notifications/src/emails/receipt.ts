import type { MailSettings } from '../config';
import { formatMoney } from '../money';
import type { EmailContent } from './render';

export interface ReceiptFacts {
  orderId: string;
  ticketTitle: string;
  /** What the buyer paid, in currency units. */
  price: number;
}

/** To the buyer when their order is paid (order.completed). */
export function receiptEmail(facts: ReceiptFacts, settings: MailSettings): EmailContent {
  const price = formatMoney(facts.price, settings.currency);
  return {
    subject: `Your receipt for ${facts.ticketTitle}`,
    preview: `You paid ${price} for ${facts.ticketTitle}.`,
    heading: 'Thanks for your order',
    paragraphs: [`Your payment went through: the ticket is yours.`],
    details: [
      { label: 'Ticket', value: facts.ticketTitle },
      { label: 'Price', value: price },
      { label: 'Order', value: facts.orderId },
    ],
    action: { label: 'View your order', url: `${settings.publicUrl}/orders/${facts.orderId}` },
  };
}
