export { startMailSink } from './mail-sink';
export type { MailSink, MailSinkOptions } from './mail-sink';
export type { SmtpReply } from './smtp';
export type { StoredMessage } from './stored-message';
