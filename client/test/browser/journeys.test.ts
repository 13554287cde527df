// People using the marketplace in a real browser (Chromium through playwright-core), against the
// whole system on this machine: two replicas of every service behind the gateway, the client's
// production build, the local mail inbox where every email goes, and a short reservation window so
// that an order can be watched expiring.
// One stack for every journey, and one file, so that the client is started by one test file here.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { startStack, type Stack } from '../../../local/stack/src';
import { accessibilityViolations } from './accessibility';
import { Browsing, clearScreenshots, launchBrowser, PHONE, screenshot, STEP_TIMEOUT_MS } from './browser';
import {
  buyTicket,
  CARDS,
  emailChoice,
  fitsItsWidth,
  header,
  listTicket,
  markDocument,
  isSameDocument,
  openEmail,
  orderRequests,
  orderStatus,
  PASSWORD,
  pathOf,
  payWith,
  reloadUntilShown,
  searchTickets,
  signUp,
  submitCredentials,
  ticketInList,
  waitForEmail,
  waitForPath,
  waitUntilSignedIn,
  waitUntilSignedOut,
} from './steps';

/** Long enough to buy and pay, short enough to watch an order expire. */
const RESERVATION_SECONDS = 8;
// Twelve service processes, the client (built before this file runs, see test/build-client.ts; else here).
const STACK_START_TIMEOUT_MS = 180_000;
const JOURNEY_TIMEOUT_MS = 60_000;
/** The accessibility journey visits every page of the site, the local mail inbox's too, one after the other. */
const SCAN_JOURNEY_TIMEOUT_MS = 120_000;

let dataDir: string;
let stack: Stack | undefined;
let browser: Browser | undefined;
let browsing: Browsing;
/** What the gateway could not pass on (a browser would see a 502), since the last journey ended. */
const gatewayErrors: string[] = [];

beforeAll(async () => {
  clearScreenshots();
  dataDir = await mkdtemp(path.join(tmpdir(), 'ticketing-browser-'));
  stack = await startStack({
    dataDir,
    runMode: 'source',
    client: true,
    replicas: 2,
    expirationWindowSeconds: RESERVATION_SECONDS,
    onServiceLine: (name, line) => {
      if (name === 'gateway') gatewayErrors.push(`gateway: ${line}`);
    },
  });
  browser = await launchBrowser();
}, STACK_START_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  browsing = new Browsing(browser!, stack!.url);
});

// Every page of every journey, whatever the journey checked: no console errors or warnings
// (hydration warnings are console errors), no uncaught errors, and nothing the gateway failed to pass on.
afterEach(async () => {
  expect([...(await browsing.end()), ...gatewayErrors.splice(0)]).toEqual([]);
});

/** Somebody new in a browser of their own; `device` their screen (a desktop one by default). */
function person(device: BrowserContextOptions = {}): Promise<Page> {
  return browsing.person(device);
}

test.each([
  ['desktop', {}, 'Harbour jazz night'],
  ['phone', PHONE, 'Riverside folk evening'],
])(
  '1. a seller lists a ticket; a buyer finds it, buys it and pays; it is sold (%s)',
  async (device, screen, title) => {
    const seller = await person(screen);
    await signUp(seller, `seller-1-${device}@example.com`);
    const ticketPath = await listTicket(seller, title, '42.50');
    await seller.getByText('$42.50', { exact: true }).waitFor();
    await screenshot(seller, `1-${device}-1-ticket-listed`);

    const buyer = await person(screen);
    const buyerEmail = `buyer-1-${device}@example.com`;
    await signUp(buyer, buyerEmail);
    await searchTickets(buyer, title.toLowerCase());
    await screenshot(buyer, `1-${device}-2-search`);
    await ticketInList(buyer, title).click();
    await waitForPath(buyer, ticketPath);
    // The order page follows the order through its event stream: it never reads it again.
    const requests = orderRequests(buyer);
    const orderPath = await buyTicket(buyer);
    await screenshot(buyer, `1-${device}-3-order-awaiting-payment`);
    if (device === 'phone') expect(await fitsItsWidth(buyer)).toBe(true);

    // Paid, then complete by itself, without a reload.
    await markDocument(buyer);
    await payWith(buyer, CARDS.succeeds);
    await orderStatus(buyer, 'Paid').waitFor();
    await buyer.getByRole('definition').filter({ hasText: 'Visa ending 4242' }).waitFor();
    expect(await isSameDocument(buyer)).toBe(true);
    expect(requests).toEqual({ eventStreams: 1, reads: 0 });
    await screenshot(buyer, `1-${device}-4-order-paid`);

    // The buyer's receipt, in the local inbox where every email of the stack goes.
    const orderId = orderPath.slice('/orders/'.length);
    const receipt = await waitForEmail(buyer, buyerEmail, `Your receipt for ${title}`);
    expect(receipt.to).toEqual([buyerEmail]);
    expect(receipt.text).toContain(title);
    expect(receipt.text).toContain(orderId);
    expect(receipt.text).toContain(`${stack!.url}${orderPath}`);
    expect(await openEmail(buyer, receipt.subject)).toBe(`/mail/messages/${receipt.id}`);
    const receiptHtml = buyer.frameLocator('iframe[title="The HTML part of the message"]');
    // Its details, shown (the preview text mail clients list it with is in the HTML too, hidden).
    await receiptHtml.getByText(title, { exact: true }).waitFor();
    await receiptHtml.getByText(orderId, { exact: true }).waitFor();
    expect(await receiptHtml.getByRole('link', { name: 'View your order' }).getAttribute('href')).toBe(
      `${stack!.url}${orderPath}`,
    );
    await buyer.locator('pre').filter({ hasText: orderId }).waitFor();
    await screenshot(buyer, `1-${device}-5-receipt`);

    // Gone from the tickets for sale.
    await searchTickets(buyer, title);
    await buyer.getByText(`No tickets for sale match “${title}”.`).waitFor();
    expect(await ticketInList(buyer, title).count()).toBe(0);

    // Sold among the seller's listings, with nothing left to edit or withdraw.
    await header(seller).getByRole('link', { name: 'My listings' }).click();
    await waitForPath(seller, '/tickets/mine');
    const listing = seller.getByRole('listitem').filter({ hasText: title });
    // Sold once the tickets service has learnt of the payment from the orders service.
    await reloadUntilShown(seller, listing.getByText('Sold', { exact: true }));
    expect(await listing.getByRole('link', { name: `Edit ${title}` }).count()).toBe(0);
    expect(await listing.getByRole('button').count()).toBe(0);
    await screenshot(seller, `1-${device}-6-my-listings-sold`);
    if (device === 'phone') expect(await fitsItsWidth(seller)).toBe(true);

    await seller.goto(`${ticketPath}/edit`);
    await seller.getByRole('status').getByText('This ticket has been sold, so it can no longer be changed.').waitFor();
    expect(await seller.getByLabel('Title').count()).toBe(0);
    expect(await seller.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    await screenshot(seller, `1-${device}-7-edit-refused`);
  },
  JOURNEY_TIMEOUT_MS,
);

test(
  '2. an order left unpaid expires on the page when its countdown reaches zero; another buyer then buys the ticket',
  async () => {
    const title = 'Lighthouse choir concert';
    const seller = await person();
    await signUp(seller, 'seller-2@example.com');
    const ticketPath = await listTicket(seller, title, '18');

    const buyer = await person();
    await signUp(buyer, 'buyer-2@example.com');
    await buyer.goto(ticketPath);
    await buyTicket(buyer);
    await markDocument(buyer);
    await buyer.getByText('Pay before then to keep it.', { exact: false }).waitFor();
    await screenshot(buyer, '2-1-order-counting-down');

    // The countdown's last second, then the order expired, on the same page.
    const countdown = buyer.getByRole('status').getByText('0:01', { exact: true });
    await countdown.waitFor({ timeout: RESERVATION_SECONDS * 1000 + STEP_TIMEOUT_MS });
    await orderStatus(buyer, 'Expired').waitFor();
    await buyer
      .getByText('The reservation ran out before the order was paid, so the ticket went back on sale.')
      .waitFor();
    expect(await buyer.getByRole('button', { name: 'Pay now' }).count()).toBe(0);
    expect(await isSameDocument(buyer)).toBe(true);
    await screenshot(buyer, '2-2-order-expired');

    const nextBuyer = await person();
    await signUp(nextBuyer, 'buyer-2b@example.com');
    // For sale again once the tickets service has learnt of the expiry from the orders service.
    await nextBuyer.goto(ticketPath);
    await reloadUntilShown(nextBuyer, nextBuyer.getByRole('button', { name: 'Buy this ticket' }));
    await buyTicket(nextBuyer);
    await payWith(nextBuyer, CARDS.succeeds);
    await orderStatus(nextBuyer, 'Paid').waitFor();
    await screenshot(nextBuyer, '2-3-next-buyer-paid');
  },
  JOURNEY_TIMEOUT_MS,
);

test(
  '3. a declined card shows the decline and another card pays; a card that needs 3-D Secure pays once authenticated',
  async () => {
    const seller = await person();
    await signUp(seller, 'seller-3@example.com');
    const operaPath = await listTicket(seller, 'Opera gala', '95');
    const balletPath = await listTicket(seller, 'Ballet matinee', '60.25');

    const buyer = await person();
    await signUp(buyer, 'buyer-3@example.com');
    await buyer.goto(operaPath);
    await buyTicket(buyer);
    await payWith(buyer, CARDS.declined);
    await buyer.getByRole('alert').filter({ hasText: 'Your card was declined: pay with another card' }).waitFor();
    await orderStatus(buyer, 'Awaiting payment').waitFor();
    await screenshot(buyer, '3-1-card-declined');
    await payWith(buyer, CARDS.alsoSucceeds);
    await orderStatus(buyer, 'Paid').waitFor();
    await buyer.getByRole('definition').filter({ hasText: 'Mastercard ending 4444' }).waitFor();
    await screenshot(buyer, '3-2-second-card-paid');

    await buyer.goto(balletPath);
    await buyTicket(buyer);
    await markDocument(buyer);
    await payWith(buyer, CARDS.needsAuthentication);
    const authenticate = buyer.getByRole('link', { name: 'Authenticate the payment (opens in a new tab)' });
    await screenshot(buyer, '3-3-authentication-asked');
    // The bank's page opens in a new tab of the same browser; the order's page follows by itself.
    const [bankPage] = await Promise.all([buyer.waitForEvent('popup'), authenticate.click()]);
    await bankPage.getByText('Authentication complete').waitFor();
    await screenshot(bankPage, '3-4-authentication-page');
    await orderStatus(buyer, 'Paid').waitFor();
    await buyer.getByRole('definition').filter({ hasText: 'Visa ending 3184' }).waitFor();
    expect(await isSameDocument(buyer)).toBe(true);
    await screenshot(buyer, '3-5-authenticated-paid');
  },
  JOURNEY_TIMEOUT_MS,
);

test(
  '4. signed-out visitors who sell or buy sign in first and come back; wrong passwords, reloads and signing out',
  async () => {
    // Selling while signed out: sign in first (here: create an account), then back to selling.
    const seller = await person();
    await seller.goto('/');
    await header(seller).getByRole('link', { name: 'Sell a ticket' }).click();
    await waitForPath(seller, '/auth/signin?next=%2Ftickets%2Fnew');
    await seller.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(seller, '4-1-sign-in-to-sell');
    await seller.getByRole('link', { name: 'Create an account' }).click();
    await waitForPath(seller, '/auth/signup?next=%2Ftickets%2Fnew');
    await submitCredentials(seller, 'seller-4@example.com', PASSWORD, 'Create account');
    await waitForPath(seller, '/tickets/new');
    const ticketPath = await listTicket(seller, 'Puppet theatre', '12');

    // An account, a reload that keeps the session, and signing out.
    const buyer = await person();
    await signUp(buyer, 'buyer-4@example.com');
    await buyer.reload();
    await waitUntilSignedIn(buyer);
    await header(buyer).getByText('buyer-4@example.com').waitFor();
    await header(buyer).getByRole('button', { name: 'Sign out' }).click();
    await waitUntilSignedOut(buyer);
    await buyer.goto('/orders');
    await waitForPath(buyer, '/auth/signin?next=%2Forders');

    // Buying while signed out: sign in first, then back to the ticket.
    await buyer.goto(ticketPath);
    await buyer.getByRole('button', { name: 'Buy this ticket' }).click();
    await waitForPath(buyer, `/auth/signin?next=${encodeURIComponent(ticketPath)}`);
    await submitCredentials(buyer, 'buyer-4@example.com', 'not-the-password', 'Sign in');
    await buyer.getByRole('alert').filter({ hasText: 'Wrong email or password: check both and try again' }).waitFor();
    expect(await buyer.getByLabel('Email').inputValue()).toBe('buyer-4@example.com');
    await screenshot(buyer, '4-2-wrong-password');
    await submitCredentials(buyer, 'buyer-4@example.com', PASSWORD, 'Sign in');
    await waitForPath(buyer, ticketPath);
    await waitUntilSignedIn(buyer);
    await buyTicket(buyer);
    await buyer.reload();
    await orderStatus(buyer, 'Awaiting payment').waitFor();
    await waitUntilSignedIn(buyer);

    // The sign-out page.
    await seller.goto('/auth/signout');
    await seller.getByText('You are signed in as seller-4@example.com.').waitFor();
    await screenshot(seller, '4-3-sign-out-page');
    await seller.getByRole('main').getByRole('button', { name: 'Sign out' }).click();
    await waitForPath(seller, '/');
    await waitUntilSignedOut(seller);
    await seller.goto('/tickets/mine');
    await waitForPath(seller, '/auth/signin?next=%2Ftickets%2Fmine');
  },
  JOURNEY_TIMEOUT_MS,
);

test(
  '5. a seller withdraws a listing and it disappears for buyers',
  async () => {
    const title = 'Comedy club late show';
    const seller = await person();
    await signUp(seller, 'seller-5@example.com');
    const ticketPath = await listTicket(seller, title, '25');

    const buyer = await person();
    await searchTickets(buyer, title);
    await ticketInList(buyer, title).waitFor();

    await header(seller).getByRole('link', { name: 'My listings' }).click();
    const listing = seller.getByRole('listitem').filter({ hasText: title });
    await listing.getByRole('button', { name: `Withdraw ${title} from sale` }).click();
    await listing.getByText('Withdrawn', { exact: true }).waitFor();
    expect(await listing.getByRole('button').count()).toBe(0);
    await screenshot(seller, '5-1-withdrawn');

    await searchTickets(buyer, title);
    await buyer.getByText(`No tickets for sale match “${title}”.`).waitFor();
    expect(await ticketInList(buyer, title).count()).toBe(0);
    await buyer.goto(ticketPath);
    await buyer.getByText('The seller has taken this ticket off sale.').waitFor();
    expect(await buyer.getByRole('button', { name: 'Buy this ticket' }).count()).toBe(0);
    await screenshot(buyer, '5-2-withdrawn-ticket-page');
  },
  JOURNEY_TIMEOUT_MS,
);

test(
  '6. every page passes an accessibility scan',
  async () => {
    const violations: Record<string, string[]> = {};
    const scan = async (page: Page, name: string) => {
      const found = await accessibilityViolations(page);
      if (found.length > 0) violations[`${name} (${pathOf(page)})`] = found;
    };

    const visitor = await person();
    await visitor.goto('/');
    await scan(visitor, 'tickets for sale');
    // Browsers also ask for /favicon.ico by themselves, whatever the page links: it leads to the site's icon.
    const favicon = await visitor.request.get('/favicon.ico');
    expect([favicon.status(), favicon.headers()['content-type']]).toEqual([200, 'image/svg+xml']);
    await visitor.goto('/auth/signup');
    await scan(visitor, 'sign up');
    await visitor.goto('/auth/signin');
    await scan(visitor, 'sign in');
    await submitCredentials(visitor, 'nobody-6@example.com', PASSWORD, 'Sign in');
    await visitor.getByRole('alert').filter({ hasText: 'Wrong email or password' }).waitFor();
    await scan(visitor, 'sign in with an error');
    await visitor.goto('/no-such-page');
    await visitor.getByRole('heading', { name: 'Page not found' }).waitFor();
    await scan(visitor, 'page not found');

    const seller = await person();
    await signUp(seller, 'seller-6@example.com');
    await seller.goto('/auth/signout');
    await scan(seller, 'sign out');
    await seller.goto('/tickets/new');
    await seller.getByRole('button', { name: 'List ticket' }).click();
    await seller.getByText('Title is required').waitFor();
    await scan(seller, 'sell a ticket, with errors');
    const toExpirePath = await listTicket(seller, 'Chamber music evening', '30');
    const toPayPath = await listTicket(seller, 'Poetry slam', '8.5');
    await scan(seller, 'ticket, as its seller');
    await seller.goto(`${toPayPath}/edit`);
    await scan(seller, 'edit ticket');
    await seller.goto('/tickets/mine');
    await scan(seller, 'my listings');

    // First the order left to expire, so that it does while the other pages are scanned.
    const buyer = await person();
    await signUp(buyer, 'buyer-6@example.com');
    await buyer.goto(toExpirePath);
    await scan(buyer, 'ticket, as a buyer');
    const expiringOrderPath = await buyTicket(buyer);
    await scan(buyer, 'order awaiting payment');
    await buyer.goto(toPayPath);
    await buyTicket(buyer);
    await payWith(buyer, CARDS.succeeds);
    await orderStatus(buyer, 'Paid').waitFor();
    await scan(buyer, 'order paid');
    await buyer.goto('/orders');
    await scan(buyer, 'my orders');
    await buyer.goto('/account');
    await scan(buyer, 'my account');
    await emailChoice(buyer, 'Welcome and news from Ticketing').uncheck();
    await buyer.getByRole('button', { name: 'Save email settings' }).click();
    await buyer.getByRole('status').filter({ hasText: 'Your email settings are saved.' }).waitFor();
    await scan(buyer, 'my account, saved');
    const receipt = await waitForEmail(buyer, 'buyer-6@example.com', 'Your receipt for Poetry slam');
    await openEmail(buyer, receipt.subject);
    await scan(buyer, 'an email in the local mail inbox');
    await buyer.goto('/mail');
    await scan(buyer, 'local mail inbox');
    await buyer.goto(expiringOrderPath);
    await orderStatus(buyer, 'Expired').waitFor({ timeout: RESERVATION_SECONDS * 1000 + STEP_TIMEOUT_MS });
    await scan(buyer, 'order expired');

    expect(violations).toEqual({});
  },
  SCAN_JOURNEY_TIMEOUT_MS,
);

test(
  '7. a developer reads the API documentation: the list of APIs and every docs page work under their security policies',
  async () => {
    const developer = await person();
    await developer.goto('/api');
    const docsLinks = developer.getByRole('link', { name: 'docs', exact: true });
    const docsPaths = await docsLinks.evaluateAll((links) => links.map((link) => link.getAttribute('href')!));
    expect(docsPaths).toEqual([
      '/api/users/docs',
      '/api/tickets/docs',
      '/api/orders/docs',
      '/api/payments/docs',
      '/api/notifications/docs',
    ]);
    for (const docsPath of docsPaths) {
      await developer.goto(docsPath);
      // Rendered by Swagger UI's scripts, which run only if the policy lets them.
      await developer.locator('.opblock').first().waitFor();
    }
  },
  JOURNEY_TIMEOUT_MS,
);

test(
  '8. a seller turns off the emails saying their tickets sold, on their account page; after a reload it is still off',
  async () => {
    const visitor = await person();
    await visitor.goto('/account');
    await waitForPath(visitor, '/auth/signin?next=%2Faccount');

    const seller = await person();
    await signUp(seller, 'seller-8@example.com');
    await header(seller).getByRole('link', { name: 'My account' }).click();
    await waitForPath(seller, '/account');
    await seller.getByRole('heading', { name: 'Your account' }).waitFor();
    await seller.getByRole('main').getByText('seller-8@example.com').waitFor();
    const ticketSold = emailChoice(seller, 'A ticket I am selling has been sold');
    expect(await ticketSold.isChecked()).toBe(true);
    await ticketSold.uncheck();
    await seller.getByRole('button', { name: 'Save email settings' }).click();
    await seller.getByRole('status').filter({ hasText: 'Your email settings are saved.' }).waitFor();
    expect(await ticketSold.isChecked()).toBe(false);
    await screenshot(seller, '8-1-ticket-sold-emails-off');

    await seller.reload();
    await seller.getByRole('heading', { name: 'Email notifications' }).waitFor();
    expect(await ticketSold.isChecked()).toBe(false);
    expect(await emailChoice(seller, 'My reservation ran out before I paid').isChecked()).toBe(true);
    expect(await emailChoice(seller, 'Welcome and news from Ticketing').isChecked()).toBe(true);
    expect(await seller.getByText('Your email settings are saved.').count()).toBe(0);
  },
  JOURNEY_TIMEOUT_MS,
);
