export enum Subjects {
  TicketCreated = 'ticket.created',
  TicketUpdated = 'ticket.updated',
  OrderCreated = 'order.created',
  OrderCancelled = 'order.cancelled',
  ExpirationComplete = 'expiration.complete',
  PaymentCreated = 'payment.created',
}

export enum OrderStatus {
  /** The order exists and reserves its ticket until `expiresAt`. */
  Created = 'created',
  /** Cancelled by the buyer or expired; the ticket is for sale again. */
  Cancelled = 'cancelled',
  AwaitingPayment = 'awaiting:payment',
  Complete = 'complete',
}
