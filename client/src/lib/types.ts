/** The API's shapes, as the client reads them. */

export type TicketStatus = 'available' | 'reserved' | 'sold' | 'withdrawn';

export interface Ticket {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
  status: TicketStatus;
  orderId?: string;
  reservedUntil?: string;
  createdAt?: string;
}

export type OrderStatus = 'created' | 'cancelled' | 'complete';
export type CancelReason = 'expired' | 'requested_by_buyer' | 'ticket_withdrawn';

export interface OrderPayment {
  id: string;
  amount: number;
  currency: string;
  card?: { brand: string; last4: string };
  paidAt: string;
  status: 'succeeded' | 'refunded';
  refundedAt?: string;
}

export interface Order {
  id: string;
  status: OrderStatus;
  cancelReason?: CancelReason;
  userId: string;
  expiresAt: string;
  ticket: { id: string; title: string; price: number; version: number };
  payment?: OrderPayment;
  version: number;
  createdAt?: string;
}

export interface CurrentUser {
  id: string;
  email: string;
}
