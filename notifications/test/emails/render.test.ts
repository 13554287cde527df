import { spawnSync } from 'node:child_process';
import path from 'node:path';
import mjml2html from 'mjml';
import { emailMjml, escapeHtml, renderEmail, renderMjml } from '../../src/emails/render';
import { receiptEmail } from '../../src/emails/receipt';
import { reservationExpiredEmail } from '../../src/emails/reservation-expired';
import { welcomeEmail } from '../../src/emails/welcome';
import { formatMoney } from '../../src/money';
import { TEST_SETTINGS } from '../setup';

it('escapes what HTML would read as markup', () => {
  expect(escapeHtml(`<img src=x onerror="alert('1')"> & co`)).toBe(
    '&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; co',
  );
});

it.each([
  [19.99, 'usd', '$19.99'],
  [1234.5, 'usd', '$1,234.50'],
  [20, 'eur', '€20.00'],
  [7, 'gbp', '£7.00'],
])('formats %d %s as %s', (amount, currency, text) => {
  expect(formatMoney(amount, currency)).toBe(text);
});

it('renders an email to HTML and text, the product name, its links and the title escaped in HTML only', async () => {
  const title = '</mj-text><mj-raw><script>alert(1)</script></mj-raw>';
  const email = await renderEmail(
    receiptEmail({ orderId: '0123456789abcdef01234567', ticketTitle: title, price: 5 }, TEST_SETTINGS),
    { ...TEST_SETTINGS, productName: 'Tix & Co' },
  );
  expect(email.subject).toBe(`Your receipt for ${title}`);
  expect(email.html).toMatch(/^<!doctype html>/i);
  expect(email.html).not.toContain('<script>');
  expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(email.html).toContain('Tix &amp; Co');
  expect(email.html).toContain('href="https://ticketing.test/orders/0123456789abcdef01234567"');
  expect(email.text).toContain(`Ticket: ${title}`);
  expect(email.text).toContain('Price: $5.00');
  expect(email.text).toContain('Tix & Co - https://ticketing.test');
});

it("fills a layout MJML rendered once with each email's texts, giving the HTML MJML gives for that email", async () => {
  const settings = { ...TEST_SETTINGS, productName: 'Tix & Co' };
  const titles = ['Opera night', `Jazz <b>"live"</b> & 'more' mjslot0mjslot`, 'Folk 🎻 in the park'];
  const emails = [
    ...titles.map((ticketTitle, index) =>
      reservationExpiredEmail(
        { orderId: `order${index}`, ticketId: `ticket${index}`, ticketTitle, price: 20 + index },
        settings,
      ),
    ),
    welcomeEmail({ email: 'new@ticketing.test' }, settings),
    receiptEmail({ orderId: '0123456789abcdef01234567', ticketTitle: titles[1], price: 5 }, settings),
  ];
  for (const content of emails) {
    const email = await renderEmail(content, settings);
    const { html } = await mjml2html(emailMjml(content, settings, escapeHtml), { validationLevel: 'strict' });
    expect(email.html).toBe(html);
  }
  const second = await renderEmail(emails[1], settings);
  expect(second.html).toContain('Jazz &lt;b&gt;&quot;live&quot;&lt;/b&gt; &amp; &#39;more&#39; mjslot0mjslot');
  expect(second.html).not.toContain('Opera night');
});

it('refuses a layout that is not valid MJML, and renders the next one', async () => {
  await expect(renderMjml('<mjml><mj-body><mj-text>outside a column</mj-text></mj-body></mjml>')).rejects.toThrow(
    /mj-text/,
  );
  await expect(
    renderMjml('<mjml><mj-body><mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section></mj-body></mjml>'),
  ).resolves.toContain('Hi');
});

it("renders emails without loading MJML into the service's process", () => {
  const script = `
    const { renderEmail } = require('./src/emails/render');
    const { welcomeEmail } = require('./src/emails/welcome');
    const settings = { publicUrl: 'https://ticketing.test', productName: 'Ticketing', currency: 'usd' };
    renderEmail(welcomeEmail({ email: 'new@ticketing.test' }, settings), settings).then((email) => {
      if (!email.html.includes('Welcome')) throw new Error('nothing rendered');
      console.log(JSON.stringify(Object.keys(require.cache)));
    });`;
  const result = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    cwd: path.join(__dirname, '../..'),
    env: { ...process.env, SWC_NODE_PROJECT: path.join(__dirname, '../../tsconfig.json') },
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  const loaded = JSON.parse(result.stdout) as string[];
  expect(loaded.some((file) => file.endsWith(path.join('src', 'emails', 'render.ts')))).toBe(true);
  expect(loaded.filter((file) => file.includes(`${path.sep}mjml`))).toEqual([]);
});
