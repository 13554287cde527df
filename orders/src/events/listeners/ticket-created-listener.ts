import { Listener, Subjects, type TicketCreatedEvent } from '@ticketing/common';
import { Ticket } from '../../models/ticket';

/** Adds the new ticket to the orders service's copies; a redelivery changes nothing. */
export class TicketCreatedListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;

  async onMessage(data: TicketCreatedEvent['data']): Promise<void> {
    await Ticket.insertIfNew(data);
  }
}
