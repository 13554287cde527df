import { commonEnv } from '@ticketing/common';
import { z } from 'zod';

/** Who the emails come from: `Ticketing <no-reply@ticketing.local>` or a bare address. */
export interface MailSender {
  name?: string;
  address: string;
  /** The address's domain: it names the Message-IDs the service makes. */
  domain: string;
}

const ADDRESS = /^[^\s<>@]+@([^\s<>@]+\.)*[^\s<>@.]+$/;
const NAMED_ADDRESS = /^([^<>]*)<([^<>]+)>$/;

/** Reads MAIL_FROM; undefined when it is neither `address` nor `Name <address>`. */
export function parseMailSender(text: string): MailSender | undefined {
  const named = NAMED_ADDRESS.exec(text.trim());
  const name = named ? named[1].trim().replace(/^"(.*)"$/, '$1') : undefined;
  const address = named ? named[2].trim() : text.trim();
  if (!ADDRESS.test(address)) return undefined;
  return { ...(name ? { name } : {}), address, domain: address.slice(address.lastIndexOf('@') + 1).toLowerCase() };
}

const mailSender = z.string().transform((text, ctx): MailSender => {
  const sender = parseMailSender(text);
  if (!sender) {
    ctx.issues.push({
      code: 'custom',
      message: 'must be an email address, or a name and an address: Ticketing <no-reply@ticketing.local>',
      input: text,
    });
    return z.NEVER;
  }
  return sender;
});

const publicUrl = z.string().transform((text, ctx): string => {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash) {
    ctx.issues.push({
      code: 'custom',
      message: 'must be the web client’s http(s) URL, e.g. https://ticketing.dev, without query or fragment',
      input: text,
    });
    return z.NEVER;
  }
  // Links are made by appending paths: `${PUBLIC_URL}/orders/<id>`.
  return url.href.replace(/\/+$/, '');
});

/** The notifications service's own environment (PORT, LOG_LEVEL, MONGO_URI, NATS_URL come from runService). */
export const notificationsEnv = {
  JWT_PUBLIC_KEYS: commonEnv.JWT_PUBLIC_KEYS,
  /** The SMTP server every email goes through, e.g. smtp://user:pass@relay:587 or smtps://relay:465. */
  SMTP_URL: z.string().regex(/^smtps?:\/\/\S+$/, { error: 'must be an smtp:// or smtps:// URL' }),
  MAIL_FROM: mailSender,
  /** The web client's origin, used in the emails' links. */
  PUBLIC_URL: publicUrl,
  /** The name the emails sign with. */
  PRODUCT_NAME: z
    .string()
    .trim()
    .regex(/^[^\r\n<>]{1,60}$/, { error: 'must be one line of at most 60 characters, without < or >' })
    .default('Ticketing'),
  /** The currency prices are in, as payments charges them (the same variable as payments' and the client's). */
  PAYMENT_CURRENCY: z
    .string()
    .toLowerCase()
    .regex(/^[a-z]{3}$/, { error: 'must be a three-letter ISO currency code, e.g. usd' })
    .default('usd'),
};

/** What the emails are made with. */
export interface MailSettings {
  from: MailSender;
  publicUrl: string;
  productName: string;
  /** Lowercase ISO code of order prices, e.g. usd. */
  currency: string;
}

export function mailSettingsOf(config: {
  MAIL_FROM: MailSender;
  PUBLIC_URL: string;
  PRODUCT_NAME: string;
  PAYMENT_CURRENCY: string;
}): MailSettings {
  return {
    from: config.MAIL_FROM,
    publicUrl: config.PUBLIC_URL,
    productName: config.PRODUCT_NAME,
    currency: config.PAYMENT_CURRENCY,
  };
}
