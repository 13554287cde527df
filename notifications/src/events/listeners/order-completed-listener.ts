import {
  EventTooEarlyError,
  Listener,
  Subjects,
  type Bus,
  type ListenerOptions,
  type OrderCompletedEvent,
} from '@ticketing/common';
import { receiptEmail } from '../../emails/receipt';
import { ticketSoldEmail } from '../../emails/ticket-sold';
import { EmailKind } from '../../models/email';
import { Ticket } from '../../models/ticket';
import { emailOf } from '../../models/user';
import { eventIdOf, recordEmail, type DeliveredMessage, type NotificationDependencies } from '../../record-email';

/**
 * Records the buyer's receipt and the seller's "your ticket sold". Each is recorded as soon as its
 * recipient's address is known; while one is not (its user.created, or the ticket's copy, has not
 * arrived), the event is too early and comes back later, when the email recorded already is found
 * by its id rather than made again.
 */
export class OrderCompletedListener extends Listener<OrderCompletedEvent> {
  readonly subject = Subjects.OrderCompleted;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly deps: NotificationDependencies,
  ) {
    super(bus, options);
  }

  async onMessage(data: OrderCompletedEvent['data'], msg: DeliveredMessage): Promise<void> {
    const eventId = eventIdOf(msg);
    const { settings } = this.deps;
    const waitingFor: string[] = [];

    const buyerEmail = await emailOf(data.userId);
    if (buyerEmail) {
      const content = receiptEmail(
        { orderId: data.id, ticketTitle: data.ticket.title, price: data.ticket.price },
        settings,
      );
      await recordEmail(
        { eventId, eventSubject: this.subject, kind: EmailKind.Receipt, userId: data.userId, to: buyerEmail, content },
        this.deps,
      );
    } else {
      waitingFor.push(`the buyer's account ${data.userId}`);
    }

    const ticket = await Ticket.findById(data.ticket.id, { userId: 1 }).lean();
    const sellerEmail = ticket ? await emailOf(ticket.userId) : undefined;
    if (ticket && sellerEmail) {
      const content = ticketSoldEmail(
        { ticketId: data.ticket.id, ticketTitle: data.ticket.title, price: data.ticket.price },
        settings,
      );
      await recordEmail(
        {
          eventId,
          eventSubject: this.subject,
          kind: EmailKind.TicketSold,
          userId: ticket.userId,
          to: sellerEmail,
          content,
          preference: 'ticketSold',
        },
        this.deps,
      );
    } else {
      waitingFor.push(ticket ? `the seller's account ${ticket.userId}` : `ticket ${data.ticket.id}`);
    }

    if (waitingFor.length > 0) throw new EventTooEarlyError(`waiting for ${waitingFor.join(' and ')}`);
  }
}
