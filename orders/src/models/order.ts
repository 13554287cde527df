import { OrderStatus, Subjects, type Outbox } from '@ticketing/common';
import mongoose, { Schema, type ClientSession, type HydratedDocument, type Model } from 'mongoose';

/** Statuses in which an order holds its ticket: at most one such order per ticket. */
export const RESERVING_STATUSES = [OrderStatus.Created, OrderStatus.AwaitingPayment, OrderStatus.Complete];
/** Statuses in which an order can still be paid, cancelled or expire. */
export const LIVE_STATUSES = [OrderStatus.Created, OrderStatus.AwaitingPayment];

interface OrderFields {
  _id: mongoose.Types.ObjectId;
  userId: string;
  status: OrderStatus;
  expiresAt: Date;
  ticket: mongoose.Types.ObjectId;
  /** Grows with every status change; other services apply order events in this order. */
  version: number;
}

interface OrderMethods {
  isOwnedBy(userId: string): boolean;
}

export type OrderDoc = HydratedDocument<OrderFields, OrderMethods>;

/** What cancelling came to: only `cancelled` changed anything (and published order.cancelled). */
export type CancelOutcome = 'cancelled' | 'already-cancelled' | 'complete' | 'not-found';
/** What a payment came to: `paid-after-cancel` means the money must be refunded. */
export type CompleteOutcome = 'completed' | 'already-complete' | 'paid-after-cancel' | 'not-found';

interface OrderModel extends Model<OrderFields, object, OrderMethods> {
  /**
   * Cancels the order if it is live, publishing order.cancelled in the same transaction. The
   * status check is part of the update, so concurrent cancellers (user, expiration, sweeps on
   * several replicas) cancel and publish once, and a completed order is never cancelled.
   */
  cancel(outbox: Outbox, orderId: string): Promise<CancelOutcome>;
  /** Marks a live order complete (paid); a second payment event changes nothing. */
  complete(orderId: string): Promise<CompleteOutcome>;
}

const orderSchema = new Schema<OrderFields, OrderModel, OrderMethods>(
  {
    userId: { type: String, required: true },
    status: { type: String, required: true, enum: Object.values(OrderStatus), default: OrderStatus.Created },
    expiresAt: { type: Date, required: true },
    ticket: { type: Schema.Types.ObjectId, ref: 'Ticket', required: true },
  },
  {
    versionKey: 'version',
    optimisticConcurrency: true,
    toJSON: {
      transform(_doc, ret: Record<string, unknown>) {
        return {
          id: String(ret._id),
          status: ret.status,
          userId: ret.userId,
          expiresAt: ret.expiresAt,
          ticket: ret.ticket,
          version: ret.version,
        };
      },
    },
  },
);

// The reservation rule lives in the database: concurrent buyers (on any number of replicas)
// cannot both insert a reserving order for one ticket; cancelling an order frees the ticket.
orderSchema.index(
  { ticket: 1 },
  {
    unique: true,
    name: 'one_reserving_order_per_ticket',
    partialFilterExpression: { status: { $in: RESERVING_STATUSES } },
  },
);
orderSchema.index({ userId: 1 });
// The expiration sweep looks for live orders past their expiry.
orderSchema.index({ status: 1, expiresAt: 1 });

orderSchema.method('isOwnedBy', function isOwnedBy(this: OrderDoc, userId: string): boolean {
  return this.userId === userId;
});

async function setStatusIfLive(
  orderId: string,
  status: OrderStatus,
  session?: ClientSession,
): Promise<OrderDoc | null> {
  return Order.findOneAndUpdate(
    { _id: orderId, status: { $in: LIVE_STATUSES } },
    { $set: { status }, $inc: { version: 1 } },
    { returnDocument: 'after', session },
  );
}

orderSchema.static('cancel', async function cancel(outbox: Outbox, orderId: string): Promise<CancelOutcome> {
  return outbox.transaction(async (session, record) => {
    const cancelled = await setStatusIfLive(orderId, OrderStatus.Cancelled, session);
    if (cancelled) {
      record(Subjects.OrderCancelled, {
        id: cancelled.id,
        version: cancelled.version,
        ticket: { id: String(cancelled.ticket) },
      });
      return 'cancelled';
    }
    const current = await Order.findById(orderId, { status: 1 }, { session });
    if (!current) return 'not-found';
    return current.status === OrderStatus.Complete ? 'complete' : 'already-cancelled';
  });
});

orderSchema.static('complete', async function complete(orderId: string): Promise<CompleteOutcome> {
  const completed = await setStatusIfLive(orderId, OrderStatus.Complete);
  if (completed) return 'completed';
  const current = await Order.findById(orderId, { status: 1 });
  if (!current) return 'not-found';
  return current.status === OrderStatus.Complete ? 'already-complete' : 'paid-after-cancel';
});

export const Order = mongoose.model<OrderFields, OrderModel>('Order', orderSchema);

/** True for MongoDB's duplicate key error (a unique index refused a write). */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
