import { Publisher, Subjects, type ExpirationCompleteEvent, type PublishResult } from '@ticketing/common';

export class ExpirationCompletePublisher extends Publisher<ExpirationCompleteEvent> {
  readonly subject = Subjects.ExpirationComplete;

  /**
   * The event id is fixed per order, so a job run again after a publish whose acknowledgement
   * was lost (or by a second replica after a stall) is dropped by the stream's duplicate window.
   * It is prefixed because the window spans all subjects of the stream.
   */
  publishExpiration(orderId: string): Promise<PublishResult> {
    return this.publish({ orderId }, { eventId: `expiration.complete:${orderId}` });
  }
}
