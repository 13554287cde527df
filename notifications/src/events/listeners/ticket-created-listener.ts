import { Listener, Subjects, type TicketCreatedEvent } from '@ticketing/common';
import { Ticket } from '../../models/ticket';

/** Keeps a copy of each new ticket: its title for the emails about it, its seller for "your ticket sold". */
export class TicketCreatedListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;

  async onMessage(data: TicketCreatedEvent['data']): Promise<void> {
    // Insert-if-absent: a redelivered ticket.created, or one arriving after later versions, changes nothing.
    await Ticket.updateOne(
      { _id: data.id },
      { $setOnInsert: { version: data.version, title: data.title, price: data.price, userId: data.userId } },
      { upsert: true },
    );
  }
}
