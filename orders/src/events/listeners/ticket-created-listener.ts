import { Listener, Subjects, type Bus, type ListenerOptions, type TicketCreatedEvent } from '@ticketing/common';
import { Ticket } from '../../models/ticket';
import { ORDERS_SERVICE } from '../service-name';

/** Adds the new ticket to the orders service's copies; a redelivery changes nothing. */
export class TicketCreatedListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;

  constructor(bus: Bus, options: Partial<ListenerOptions> = {}) {
    super(bus, { serviceName: ORDERS_SERVICE, ...options });
  }

  async onMessage(data: TicketCreatedEvent['data']): Promise<void> {
    await Ticket.insertIfNew(data);
  }
}
