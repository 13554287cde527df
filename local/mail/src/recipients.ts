import type { StoredMessage } from './stored-message';

/** Loose on purpose: it tells an address from something else, as a JSON listing's filter needs. */
const ADDRESS = /^[^\s@]+@[^\s@]+$/;

export function isAddress(text: string): boolean {
  return ADDRESS.test(text);
}

/** Whether `address` (any case) is one of the message's envelope recipients. */
export function isSentTo(message: StoredMessage, address: string): boolean {
  return message.to.includes(address.toLowerCase());
}
