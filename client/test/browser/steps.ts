// What people do on the site, step by step, finding things by their role and label as they
// would by sight: the journeys are written with these.
import type { Locator, Page } from 'playwright-core';
import { STEP_TIMEOUT_MS } from './browser';

/** Everyone's password in these journeys. */
export const PASSWORD = 'a-good-password';

/** Stripe's test cards as the payment form labels them. */
export const CARDS = {
  succeeds: 'Visa ending 4242',
  alsoSucceeds: 'Mastercard ending 4444',
  declined: 'Visa ending 0002',
  needsAuthentication: 'Visa ending 3184',
} as const;

/** The path of the page now shown, with its query. */
export function pathOf(page: Page): string {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
}

/** Waits until the page at `path` (with its query) is shown. */
export async function waitForPath(page: Page, path: string): Promise<void> {
  await page.waitForURL((url) => `${url.pathname}${url.search}` === path);
}

/** The site's header, where who is signed in shows. */
export function header(page: Page): Locator {
  return page.getByRole('banner');
}

/** Waits until the header shows someone signed in (a Sign out button). */
export async function waitUntilSignedIn(page: Page): Promise<void> {
  await header(page).getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Waits until the header shows nobody signed in (a Sign in link). */
export async function waitUntilSignedOut(page: Page): Promise<void> {
  await header(page).getByRole('link', { name: 'Sign in' }).waitFor();
}

/** Fills the sign-up or sign-in form in front of the person and sends it with its button. */
export async function submitCredentials(page: Page, email: string, password: string, button: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: button }).click();
}

/** Creates an account from the sign-up page and lands on the home page signed in. */
export async function signUp(page: Page, email: string): Promise<void> {
  await page.goto('/auth/signup');
  await submitCredentials(page, email, PASSWORD, 'Create account');
  await waitForPath(page, '/');
  await waitUntilSignedIn(page);
}

/** Lists a ticket from the header's "Sell a ticket" and answers its page's path once it is shown. */
export async function listTicket(page: Page, title: string, price: string): Promise<string> {
  await header(page).getByRole('link', { name: 'Sell a ticket' }).click();
  await page.getByRole('heading', { name: 'Sell a ticket' }).waitFor();
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Price').fill(price);
  await page.getByRole('button', { name: 'List ticket' }).click();
  await page.getByRole('heading', { name: title }).waitFor();
  return pathOf(page);
}

/** Searches the tickets for sale from the home page's search box. */
export async function searchTickets(page: Page, text: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('searchbox', { name: 'Search tickets' }).fill(text);
  await page.getByRole('button', { name: 'Search' }).click();
  await waitForPath(page, `/?q=${encodeURIComponent(text).replace(/%20/g, '+')}`);
}

/** The link to a ticket in the list of tickets for sale. */
export function ticketInList(page: Page, title: string): Locator {
  return page.getByRole('main').getByRole('link', { name: title });
}

/** Buys the ticket whose page is shown and answers the path of the order page it leads to. */
export async function buyTicket(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Buy this ticket' }).click();
  await page.waitForURL(/\/orders\/[0-9a-f]{24}$/);
  await orderStatus(page, 'Awaiting payment').waitFor();
  return pathOf(page);
}

/** The order page's status box when it reads `status` ('Awaiting payment', 'Paid', 'Expired'). */
export function orderStatus(page: Page, status: string): Locator {
  return page
    .getByRole('status')
    .filter({ has: page.getByText(status, { exact: true }) })
    .first();
}

/** Picks a test card on the order page and pays with it. */
export async function payWith(page: Page, card: string): Promise<void> {
  await page.getByLabel(card).check();
  await page.getByRole('button', { name: 'Pay now' }).click();
}

/**
 * Marks the document shown now, so that `isSameDocument` can tell that what the page shows
 * later came without a reload or a navigation.
 */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { journeyMark?: boolean }).journeyMark = true;
  });
}

/** Whether the document marked by `markDocument` is still the one shown. */
export function isSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { journeyMark?: boolean }).journeyMark === true);
}

/**
 * Waits until `locator` shows on the page, reloading it (as a person would) while what it waits
 * for is still on its way to the service that renders it: another service's event.
 */
export async function reloadUntilShown(page: Page, locator: Locator): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    try {
      await locator.waitFor({ timeout: 500 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await page.reload();
  }
}

/** What a page asked the orders service for about orders, counted from some moment on. */
export interface OrderRequests {
  /** Connections to an order's event stream (GET /api/orders/:id/events). */
  eventStreams: number;
  /** Reads of an order (GET /api/orders/:id): the order page's polling and refreshes. */
  reads: number;
}

/** Counts, from now on, the page's requests for orders' event streams and for orders. */
export function orderRequests(page: Page): OrderRequests {
  const counts: OrderRequests = { eventStreams: 0, reads: 0 };
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (/^\/api\/orders\/[0-9a-f]{24}\/events$/.test(pathname)) counts.eventStreams += 1;
    if (/^\/api\/orders\/[0-9a-f]{24}$/.test(pathname)) counts.reads += 1;
  });
  return counts;
}

/** Whether the page fits the width of its screen, with nothing to scroll sideways to. */
export function fitsItsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

/** A message of the local mail inbox, as its JSON listing (/mail/api/messages) gives it. */
export interface InboxMessage {
  id: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/**
 * Waits until the local mail inbox holds the message to `to` with this subject, asking the inbox's
 * JSON listing through the gateway as a person would check their mailbox, and answers it. Emails are
 * sent after the events that cause them, so it polls, for a step's time at most.
 */
export async function waitForEmail(page: Page, to: string, subject: string): Promise<InboxMessage> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const response = await page.request.get(`/mail/api/messages?to=${encodeURIComponent(to)}`);
    if (!response.ok()) throw new Error(`The inbox's listing answered ${response.status()}: ${await response.text()}`);
    const { messages } = (await response.json()) as { messages: InboxMessage[] };
    const found = messages.find((message) => message.subject === subject);
    if (found) return found;
    if (Date.now() > deadline) {
      const subjects = messages.map((message) => `“${message.subject}”`).join(', ') || 'nothing';
      throw new Error(`No email “${subject}” to ${to} after ${STEP_TIMEOUT_MS} ms; they have ${subjects}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Opens the local mail inbox and, from it, the message with this subject; answers its page's path. */
export async function openEmail(page: Page, subject: string): Promise<string> {
  await page.goto('/mail');
  await page.getByRole('heading', { name: 'Local mail inbox' }).waitFor();
  await page.getByRole('link', { name: subject, exact: true }).click();
  await page.getByRole('heading', { name: subject, exact: true }).waitFor();
  return pathOf(page);
}

/** The account page's checkbox for one of the optional emails, by its label. */
export function emailChoice(page: Page, label: string): Locator {
  return page.getByRole('group', { name: 'Email me when' }).getByRole('checkbox', { name: label });
}
