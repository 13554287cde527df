import { Worker } from 'node:worker_threads';
import type { MailSettings } from '../config';

/** What an email says, as plain text: rendered to MJML (escaped) and to the plain-text part alike. */
export interface EmailContent {
  subject: string;
  /** The line mail clients show next to the subject in the message list. */
  preview: string;
  heading: string;
  paragraphs: string[];
  /** Label and value lines, e.g. Ticket, Price, Order. */
  details?: { label: string; value: string }[];
  /** The one button, e.g. to the order page. */
  action?: { label: string; url: string };
  /** A non-essential email says where to turn it off. */
  optional?: boolean;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML content and attribute values: users write ticket titles. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}

function accountUrl(settings: MailSettings): string {
  return `${settings.publicUrl}/account`;
}

/**
 * The email's MJML, each text put in by `e`: escapeHtml gives the email's own MJML, a slot maker
 * the layout renderEmail renders (and tests compare the two).
 */
export function emailMjml(content: EmailContent, settings: MailSettings, e: (text: string) => string): string {
  const details = (content.details ?? [])
    .map(
      ({ label, value }) =>
        `<tr><td style="padding:4px 12px 4px 0;color:#6b7280">${e(label)}</td><td style="padding:4px 0;font-weight:600">${e(value)}</td></tr>`,
    )
    .join('');
  const footer = content.optional
    ? `You can turn these emails off on <a href="${e(accountUrl(settings))}" style="color:#4338ca">your account page</a>.`
    : `You get this email because of an order on ${e(settings.productName)}.`;
  return `<mjml>
  <mj-head>
    <mj-title>${e(content.subject)}</mj-title>
    <mj-preview>${e(content.preview)}</mj-preview>
    <mj-attributes>
      <mj-all font-family="Helvetica, Arial, sans-serif" />
      <mj-text font-size="15px" line-height="22px" color="#111827" />
    </mj-attributes>
  </mj-head>
  <mj-body background-color="#f3f4f6">
    <mj-section>
      <mj-column>
        <mj-text font-size="20px" font-weight="700" color="#4338ca"><a href="${e(settings.publicUrl)}" style="color:#4338ca;text-decoration:none">${e(settings.productName)}</a></mj-text>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="24px">
      <mj-column>
        <mj-text font-size="22px" font-weight="700">${e(content.heading)}</mj-text>
        ${content.paragraphs.map((paragraph) => `<mj-text>${e(paragraph)}</mj-text>`).join('\n        ')}
        ${details ? `<mj-table>${details}</mj-table>` : ''}
        ${content.action ? `<mj-button href="${e(content.action.url)}" background-color="#4338ca" align="left">${e(content.action.label)}</mj-button>` : ''}
      </mj-column>
    </mj-section>
    <mj-section>
      <mj-column>
        <mj-text font-size="12px" color="#6b7280">${footer}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}

function textOf(content: EmailContent, settings: MailSettings): string {
  const lines = [content.heading, '', ...content.paragraphs.flatMap((paragraph) => [paragraph, ''])];
  if (content.details?.length) {
    lines.push(...content.details.map(({ label, value }) => `${label}: ${value}`), '');
  }
  if (content.action) lines.push(`${content.action.label}: ${content.action.url}`, '');
  lines.push(
    '--',
    `${settings.productName} - ${settings.publicUrl}`,
    content.optional
      ? `You can turn these emails off on your account page: ${accountUrl(settings)}`
      : `You get this email because of an order on ${settings.productName}.`,
  );
  return `${lines.join('\n')}\n`;
}

/** Where a text goes in a layout: letters and digits only, which MJML passes through as they are. */
const slotToken = (index: number) => `mjslot${index}mjslot`;
const SLOT_TOKEN = /mjslot(\d+)mjslot/g;

/**
 * Each layout's HTML as MJML rendered it, with the slots still in, by the layout's MJML. An email's
 * layout depends only on which parts it has (how many paragraphs and details, a button or not,
 * optional or not), so there are a few of them: rendering MJML takes 2-3 ms and a few MB of
 * garbage per email, filling in a rendered layout a few microseconds.
 */
const renderedLayouts = new Map<string, Promise<string>>();

// Resolved here, where the service's dependencies are: the worker runs from a string.
const MJML_PATH = require.resolve('mjml');

const MJML_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const mjml = require(workerData.mjmlPath);
// Strict: a template that is not valid MJML throws rather than sending a broken email.
Promise.resolve((mjml.default ?? mjml)(workerData.mjml, { validationLevel: 'strict' })).then(({ html }) =>
  parentPort.postMessage(html),
);`;

/** The layouts waiting for their worker, one at a time. */
let mjmlQueue: Promise<unknown> = Promise.resolve();

/**
 * Renders MJML to HTML in a worker thread that ends once it has answered, one layout at a time.
 * MJML and what it loads hold about 57 MB for as long as the process runs once required, for the
 * few layouts a service ever renders: 97 MB resident after one render in the process, 61 MB after
 * the same in a worker that has ended (measured). A worker takes about 0.3 s, once per layout.
 */
export function renderMjml(mjml: string): Promise<string> {
  const rendered = mjmlQueue.then(
    () =>
      new Promise<string>((resolve, reject) => {
        const worker = new Worker(MJML_WORKER_SOURCE, {
          eval: true,
          workerData: { mjmlPath: MJML_PATH, mjml },
          // Plain JavaScript: none of the service's own flags (a TypeScript loader in development).
          execArgv: [],
        });
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the MJML worker ended with code ${code} before answering`)));
      }),
  );
  mjmlQueue = rendered.catch(() => undefined);
  return rendered;
}

/** The email's subject, HTML (from MJML, every text escaped) and plain-text part. */
export async function renderEmail(content: EmailContent, settings: MailSettings): Promise<RenderedEmail> {
  const texts: string[] = [];
  const layout = emailMjml(content, settings, (text) => slotToken(texts.push(text) - 1));
  let rendered = renderedLayouts.get(layout);
  if (!rendered) {
    rendered = renderMjml(layout);
    renderedLayouts.set(layout, rendered);
    rendered.catch(() => renderedLayouts.delete(layout));
  }
  const html = (await rendered).replace(SLOT_TOKEN, (_token, index: string) => escapeHtml(texts[Number(index)]));
  return { subject: content.subject, html, text: textOf(content, settings) };
}
