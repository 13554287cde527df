import { applyReplicaUpdate, Listener, Subjects, type TicketUpdatedEvent } from '@ticketing/common';
import { Ticket } from '../../models/ticket';

/** Applies a ticket's change to the copy in version order (a gap is redelivered later, a duplicate acked). */
export class TicketUpdatedListener extends Listener<TicketUpdatedEvent> {
  readonly subject = Subjects.TicketUpdated;

  async onMessage(data: TicketUpdatedEvent['data']): Promise<void> {
    await applyReplicaUpdate(Ticket, data.id, data.version, {
      title: data.title,
      price: data.price,
      userId: data.userId,
    });
  }
}
