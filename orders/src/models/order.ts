import {
  OrderCancelReason,
  OrderStatus,
  PaymentStatus,
  Subjects,
  type EventData,
  type Outbox,
} from '@ticketing/common';
import mongoose, { Schema, type ClientSession, type HydratedDocument, type Model } from 'mongoose';

/** Statuses in which an order holds its ticket: at most one such order per ticket. */
export const RESERVING_STATUSES = [OrderStatus.Created, OrderStatus.Complete];
/** Statuses in which an order can still be paid, cancelled or expire. */
export const LIVE_STATUSES = [OrderStatus.Created];

/** What the buyer paid, as the payments service reported it. */
export interface OrderPayment {
  /** The payments service's payment id. */
  id: string;
  /** In currency units, like prices. */
  amount: number;
  currency: string;
  card?: { brand: string; last4: string };
  paidAt: Date;
  status: PaymentStatus;
  refundedAt?: Date;
}

export interface OrderFields {
  _id: mongoose.Types.ObjectId;
  userId: string;
  status: OrderStatus;
  /** Why the order was cancelled; set exactly when the status is cancelled. */
  cancelReason?: OrderCancelReason;
  expiresAt: Date;
  ticket: mongoose.Types.ObjectId;
  /** The ticket as it was when ordered: an order keeps its title and price whatever edits come later. */
  ticketTitle: string;
  ticketVersion: number;
  /** The price the buyer pays, in currency units. */
  price: number;
  payment?: OrderPayment;
  /** Grows with every status change; other services apply order events in this order. */
  version: number;
  createdAt: Date;
}

export interface OrderMethods {
  isOwnedBy(userId: string): boolean;
}

export type OrderDoc = HydratedDocument<OrderFields, OrderMethods>;

/** What cancelling came to: only `cancelled` changed anything (and published order.cancelled). */
export type CancelOutcome = 'cancelled' | 'already-cancelled' | 'complete' | 'not-found';
/** What a payment came to: `paid-after-cancel` means the payments service refunds the money. */
export type CompleteOutcome = 'completed' | 'already-complete' | 'paid-after-cancel';
/** What a refund came to: `early` means its payment has not been recorded yet. */
export type RefundOutcome = 'refunded' | 'already-refunded' | 'early';

interface OrderModel extends Model<OrderFields, object, OrderMethods> {
  /**
   * Cancels the order if it is live, publishing order.cancelled in the same transaction. The
   * status check is part of the update, so concurrent cancellers (buyer, expiration, sweeps on
   * several replicas, a withdrawal) cancel and publish once, and a completed order is never cancelled.
   */
  cancel(outbox: Outbox, orderId: string, reason: OrderCancelReason): Promise<CancelOutcome>;
  /**
   * Marks a live order complete with its payment, publishing order.completed in the same
   * transaction. A second payment event changes nothing; a payment for an order cancelled
   * meanwhile is kept on the order, so the buyer sees it (and its refund).
   */
  complete(outbox: Outbox, orderId: string, payment: OrderPayment): Promise<CompleteOutcome>;
  /**
   * The order holding the ticket (in a reserving status), if any: created means reserved,
   * complete means sold. One read of the reservation index.
   */
  holderOf(ticketId: string): Promise<Pick<OrderFields, 'status'> | null>;
  /** Marks the order's payment refunded. */
  recordRefund(orderId: string, paymentId: string, refundedAt: Date): Promise<RefundOutcome>;
}

const paymentSchema = new Schema<OrderPayment>(
  {
    id: { type: String, required: true },
    amount: { type: Number, required: true },
    currency: { type: String, required: true },
    card: { type: new Schema({ brand: String, last4: String }, { _id: false }), required: false },
    paidAt: { type: Date, required: true },
    status: { type: String, required: true, enum: Object.values(PaymentStatus) },
    refundedAt: { type: Date },
  },
  { _id: false },
);

function paymentJson(payment: OrderPayment) {
  return {
    id: payment.id,
    amount: payment.amount,
    currency: payment.currency,
    ...(payment.card ? { card: { brand: payment.card.brand, last4: payment.card.last4 } } : {}),
    paidAt: payment.paidAt,
    status: payment.status,
    ...(payment.refundedAt ? { refundedAt: payment.refundedAt } : {}),
  };
}

const orderSchema = new Schema<OrderFields, OrderModel, OrderMethods>(
  {
    userId: { type: String, required: true },
    status: { type: String, required: true, enum: Object.values(OrderStatus), default: OrderStatus.Created },
    cancelReason: { type: String, enum: Object.values(OrderCancelReason) },
    expiresAt: { type: Date, required: true },
    ticket: { type: Schema.Types.ObjectId, required: true },
    ticketTitle: { type: String, required: true },
    ticketVersion: { type: Number, required: true },
    price: { type: Number, required: true },
    payment: { type: paymentSchema },
  },
  {
    versionKey: 'version',
    optimisticConcurrency: true,
    timestamps: { createdAt: true, updatedAt: false },
    toJSON: {
      transform(_doc, ret: Record<string, unknown>) {
        const order = ret as unknown as OrderFields;
        return {
          id: String(order._id),
          status: order.status,
          ...(order.cancelReason ? { cancelReason: order.cancelReason } : {}),
          userId: order.userId,
          expiresAt: order.expiresAt,
          ticket: {
            id: String(order.ticket),
            title: order.ticketTitle,
            price: order.price,
            version: order.ticketVersion,
          },
          ...(order.payment ? { payment: paymentJson(order.payment) } : {}),
          version: order.version,
          createdAt: order.createdAt,
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
// A buyer's orders, newest first.
orderSchema.index({ userId: 1, _id: -1 });
// The expiration sweep looks for live orders past their expiry.
orderSchema.index({ status: 1, expiresAt: 1 });

orderSchema.method('isOwnedBy', function isOwnedBy(this: OrderDoc, userId: string): boolean {
  return this.userId === userId;
});

async function setStatusIfLive(
  orderId: string,
  fields: Partial<OrderFields>,
  session: ClientSession,
): Promise<OrderDoc | null> {
  return Order.findOneAndUpdate(
    { _id: orderId, status: { $in: LIVE_STATUSES } },
    { $set: fields, $inc: { version: 1 } },
    { returnDocument: 'after', session },
  );
}

orderSchema.static('holderOf', function holderOf(ticketId: string) {
  return Order.findOne({ ticket: ticketId, status: { $in: RESERVING_STATUSES } }, { status: 1 }).lean<
    Pick<OrderFields, 'status'>
  >();
});

orderSchema.static(
  'cancel',
  async function cancel(outbox: Outbox, orderId: string, reason: OrderCancelReason): Promise<CancelOutcome> {
    return outbox.transaction(async (session, record) => {
      const cancelled = await setStatusIfLive(
        orderId,
        { status: OrderStatus.Cancelled, cancelReason: reason },
        session,
      );
      if (cancelled) {
        record(Subjects.OrderCancelled, {
          id: cancelled.id,
          version: cancelled.version,
          reason,
          ticket: { id: String(cancelled.ticket) },
        });
        return 'cancelled';
      }
      const current = await Order.findById(orderId, { status: 1 }, { session });
      if (!current) return 'not-found';
      return current.status === OrderStatus.Complete ? 'complete' : 'already-cancelled';
    });
  },
);

orderSchema.static(
  'complete',
  async function complete(outbox: Outbox, orderId: string, payment: OrderPayment): Promise<CompleteOutcome> {
    return outbox.transaction(async (session, record) => {
      const completed = await setStatusIfLive(orderId, { status: OrderStatus.Complete, payment }, session);
      if (completed) {
        const event: EventData<Subjects.OrderCompleted> = {
          id: completed.id,
          version: completed.version,
          userId: completed.userId,
          ticket: { id: String(completed.ticket), title: completed.ticketTitle, price: completed.price },
        };
        record(Subjects.OrderCompleted, event);
        return 'completed';
      }
      const current = await Order.findById(orderId, { status: 1 }, { session });
      // Payments only charges orders it learned of from this service's order.created.
      if (!current) throw new Error(`payment ${payment.id} is for unknown order ${orderId}`);
      if (current.status === OrderStatus.Complete) return 'already-complete';
      await Order.updateOne({ _id: orderId, payment: { $exists: false } }, { $set: { payment } }, { session });
      return 'paid-after-cancel';
    });
  },
);

orderSchema.static(
  'recordRefund',
  async function recordRefund(orderId: string, paymentId: string, refundedAt: Date): Promise<RefundOutcome> {
    const refunded = await Order.updateOne(
      { _id: orderId, 'payment.id': paymentId, 'payment.status': PaymentStatus.Succeeded },
      { $set: { 'payment.status': PaymentStatus.Refunded, 'payment.refundedAt': refundedAt } },
    );
    if (refunded.modifiedCount === 1) return 'refunded';
    const current = await Order.findById(orderId, { payment: 1 }).lean();
    return current?.payment?.id === paymentId ? 'already-refunded' : 'early';
  },
);

export const Order = mongoose.model<OrderFields, OrderModel>('Order', orderSchema);
