import {
  applyReplicaUpdate,
  Listener,
  Subjects,
  type Bus,
  type ListenerOptions,
  type TicketUpdatedEvent,
} from '@ticketing/common';
import { Ticket } from '../../models/ticket';
import { ORDERS_SERVICE } from '../service-name';

/**
 * Applies a ticket change to the copy in version order: older versions are duplicates, a version
 * beyond the next one is redelivered later (applyReplicaUpdate throws EventTooEarlyError).
 */
export class TicketUpdatedListener extends Listener<TicketUpdatedEvent> {
  readonly subject = Subjects.TicketUpdated;

  constructor(bus: Bus, options: Partial<ListenerOptions> = {}) {
    super(bus, { serviceName: ORDERS_SERVICE, ...options });
  }

  async onMessage(data: TicketUpdatedEvent['data']): Promise<void> {
    const result = await applyReplicaUpdate(Ticket, data.id, data.version, {
      title: data.title,
      price: data.price,
      userId: data.userId,
    });
    if (result === 'duplicate') {
      this.logger.info({ ticketId: data.id, version: data.version }, 'ticket update already applied');
    }
  }
}
