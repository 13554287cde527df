import type { Order } from '@/lib/types';

/** How an order's state reads to its buyer, in one short phrase. */
export function orderStatusText(order: Order): string {
  if (order.status === 'complete') return 'Paid';
  if (order.status === 'created') return 'Awaiting payment';
  switch (order.cancelReason) {
    case 'expired':
      return 'Expired';
    case 'requested_by_buyer':
      return 'Cancelled by you';
    case 'ticket_withdrawn':
      return 'Cancelled: ticket withdrawn';
    default:
      return 'Cancelled';
  }
}
