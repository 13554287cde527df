export enum Subjects {
  TicketCreated = 'ticket.created',
  TicketUpdated = 'ticket.updated',
  OrderCreated = 'order.created',
  OrderCancelled = 'order.cancelled',
  OrderCompleted = 'order.completed',
  ExpirationComplete = 'expiration.complete',
  PaymentCreated = 'payment.created',
  PaymentRefunded = 'payment.refunded',
  UserCreated = 'user.created',
}

/** Where a ticket is in its life, as the tickets service decides it. */
export enum TicketStatus {
  /** Listed: anyone but its seller can order it. */
  Available = 'available',
  /** Held by one live order until the order is paid, cancelled or expires. */
  Reserved = 'reserved',
  /** Its order was paid. Final. */
  Sold = 'sold',
  /** Taken off sale by its seller. Final. */
  Withdrawn = 'withdrawn',
}

export enum OrderStatus {
  /** The order exists and reserves its ticket until `expiresAt`. */
  Created = 'created',
  /** Ended without payment (see `OrderCancelReason`); the ticket is for sale again. */
  Cancelled = 'cancelled',
  /** Paid. Final. */
  Complete = 'complete',
}

/** Why an order was cancelled. */
export enum OrderCancelReason {
  /** Not paid before `expiresAt`. */
  Expired = 'expired',
  /** The buyer cancelled it. */
  RequestedByBuyer = 'requested_by_buyer',
  /** The seller withdrew the ticket before the tickets service learned of the order. */
  TicketWithdrawn = 'ticket_withdrawn',
}

/** Whether a payment still holds the buyer's money. */
export enum PaymentStatus {
  Succeeded = 'succeeded',
  /** The money went back to the buyer. */
  Refunded = 'refunded',
}
