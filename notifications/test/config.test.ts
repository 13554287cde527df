import { ConfigError, loadConfig, publicJwks } from '@ticketing/common';
import { TEST_JWT_KEYS } from '@ticketing/common/testing';
import { z } from 'zod';
import { mailSettingsOf, notificationsEnv, parseMailSender } from '../src/config';

const schema = z.object(notificationsEnv);
const required = {
  JWT_PUBLIC_KEYS: JSON.stringify(publicJwks(TEST_JWT_KEYS.publicKeys)),
  SMTP_URL: 'smtp://127.0.0.1:2525',
  MAIL_FROM: 'Ticketing <no-reply@ticketing.local>',
  PUBLIC_URL: 'https://ticketing.dev/',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(schema, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('the configuration was accepted');
}

it('reads the mail settings, with Ticketing and usd by default', () => {
  const config = loadConfig(schema, required);
  expect(config).toEqual({
    JWT_PUBLIC_KEYS: TEST_JWT_KEYS.publicKeys,
    SMTP_URL: 'smtp://127.0.0.1:2525',
    MAIL_FROM: { name: 'Ticketing', address: 'no-reply@ticketing.local', domain: 'ticketing.local' },
    PUBLIC_URL: 'https://ticketing.dev',
    PRODUCT_NAME: 'Ticketing',
    PAYMENT_CURRENCY: 'usd',
  });
  expect(mailSettingsOf(config)).toEqual({
    from: config.MAIL_FROM,
    publicUrl: 'https://ticketing.dev',
    productName: 'Ticketing',
    currency: 'usd',
  });
});

it('takes smtps with credentials, a bare sender address, a product name and a currency', () => {
  expect(
    loadConfig(schema, {
      ...required,
      SMTP_URL: 'smtps://user:secret@mail.example.com:465',
      MAIL_FROM: 'tickets@Example.COM',
      PUBLIC_URL: 'http://localhost:8080/shop',
      PRODUCT_NAME: ' Ticket Swap ',
      PAYMENT_CURRENCY: 'EUR',
    }),
  ).toMatchObject({
    SMTP_URL: 'smtps://user:secret@mail.example.com:465',
    MAIL_FROM: { address: 'tickets@Example.COM', domain: 'example.com' },
    PUBLIC_URL: 'http://localhost:8080/shop',
    PRODUCT_NAME: 'Ticket Swap',
    PAYMENT_CURRENCY: 'eur',
  });
});

it.each([
  ['Ticketing <no-reply@ticketing.local>', { name: 'Ticketing', address: 'no-reply@ticketing.local' }],
  ['"Ticketing, Inc." <no-reply@ticketing.local>', { name: 'Ticketing, Inc.', address: 'no-reply@ticketing.local' }],
  ['no-reply@ticketing.local', { address: 'no-reply@ticketing.local' }],
  ['Ticketing <no-reply>', undefined],
  ['Ticketing', undefined],
  ['<a@b.c> <d@e.f>', undefined],
  ['<no-reply@ticketing.local>', { address: 'no-reply@ticketing.local' }],
  ['no-reply@localhost', { address: 'no-reply@localhost', domain: 'localhost' }],
  ['no reply@ticketing.local', undefined],
])('reads MAIL_FROM %j', (text, expected) => {
  const sender = parseMailSender(text);
  if (expected) expect(sender).toMatchObject(expected);
  else expect(sender).toBeUndefined();
});

it('names every missing variable', () => {
  expect(problemsOf({})).toEqual(
    expect.arrayContaining([
      'JWT_PUBLIC_KEYS is required',
      'SMTP_URL is required',
      'MAIL_FROM is required',
      'PUBLIC_URL is required',
    ]),
  );
});

it('names every bad variable', () => {
  expect(
    problemsOf({
      ...required,
      SMTP_URL: 'http://mail.example.com',
      MAIL_FROM: 'Ticketing',
      PUBLIC_URL: 'ticketing.dev',
      PRODUCT_NAME: 'Ticketing <script>',
      PAYMENT_CURRENCY: 'dollars',
    }),
  ).toEqual([
    'SMTP_URL: must be an smtp:// or smtps:// URL',
    'MAIL_FROM: must be an email address, or a name and an address: Ticketing <no-reply@ticketing.local>',
    'PUBLIC_URL: must be the web client’s http(s) URL, e.g. https://ticketing.dev, without query or fragment',
    'PRODUCT_NAME: must be one line of at most 60 characters, without < or >',
    'PAYMENT_CURRENCY: must be a three-letter ISO currency code, e.g. usd',
  ]);
  expect(problemsOf({ ...required, PUBLIC_URL: 'https://ticketing.dev/?ref=mail' })).toEqual([
    expect.stringMatching(/^PUBLIC_URL: /),
  ]);
});
