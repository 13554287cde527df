import type { MessageStore } from '../message-store';

/** What the inbox's routes read. */
export interface InboxContext {
  store: MessageStore;
  smtpUrl: string;
}
