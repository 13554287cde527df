import { insertReplicaIfAbsent, Listener, Subjects, type TicketCreatedEvent } from '@ticketing/common';
import { Ticket } from '../../models/ticket';

/** Keeps a copy of each new ticket: its title for the emails about it, its seller for "your ticket sold". */
export class TicketCreatedListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;

  async onMessage(data: TicketCreatedEvent['data']): Promise<void> {
    const { version, title, price, userId } = data;
    await insertReplicaIfAbsent(Ticket, data.id, { version, title, price, userId });
  }
}
