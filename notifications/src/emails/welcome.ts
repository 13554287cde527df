import type { MailSettings } from '../config';
import type { EmailContent } from './render';

export interface WelcomeFacts {
  email: string;
}

/** To a new account (user.created). */
export function welcomeEmail(facts: WelcomeFacts, settings: MailSettings): EmailContent {
  return {
    subject: `Welcome to ${settings.productName}`,
    preview: `Your account ${facts.email} is ready.`,
    heading: `Welcome to ${settings.productName}`,
    paragraphs: [
      `Your account ${facts.email} is ready. Buy tickets for events from other fans, or sell the ones you cannot use.`,
    ],
    action: { label: 'Find tickets', url: settings.publicUrl },
    optional: true,
  };
}
