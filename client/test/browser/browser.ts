// Chromium driven by playwright-core, and what every page of a journey must never show: console
// errors or warnings (hydration warnings among them) and uncaught errors.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium';

/**
 * Starts headless Chromium. playwright-core gives each launch a fresh temporary --user-data-dir
 * (deleted when the browser closes; it refuses one passed in `args`), so no run sees another's
 * profile. It never downloads a browser: it runs the one at CHROMIUM_PATH.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** How long a step may wait for the system: a page, an event crossing services, a payment. */
export const STEP_TIMEOUT_MS = 10_000;

/** A phone: what journey 1 also runs at. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
};

/** A console message or an uncaught error that no page of the app should ever produce. */
interface PageProblem {
  /** The page's URL. */
  url: string;
  /** What the console said, or the uncaught error with its stack. */
  text: string;
  /** The URL of the resource the message is about, when it is about one (a failed load). */
  resource?: string;
}

// Messages that are not the app's doing, each with why it is allowed.
const ALLOWED_PROBLEMS: ((problem: PageProblem, appOrigin: string) => boolean)[] = [
  // Chromium reports a document served with an error status as a failed load: the 404 page is
  // such a document, on purpose.
  ({ url, text, resource }) => resource === url && text.endsWith('status of 404 (Not Found)'),
  // The bank's 3-D Secure page is the fake Stripe API's, not the app's: it answers the browser's
  // request for its icon as it answers any call without an API key, 401.
  ({ resource, text }, appOrigin) =>
    resource !== undefined &&
    new URL(resource).origin !== appOrigin &&
    new URL(resource).pathname === '/favicon.ico' &&
    text.endsWith('status of 401 (Unauthorized)'),
];

/**
 * Browser contexts (one per person: their own cookies) whose pages, popups included, are watched
 * from the moment they open. `end()` closes them all and answers what went wrong in them.
 */
export class Browsing {
  private readonly contexts: BrowserContext[] = [];
  private readonly problems: PageProblem[] = [];

  constructor(
    private readonly browser: Browser,
    private readonly baseURL: string,
  ) {}

  /** A new person with a browser of their own (a desktop one unless told otherwise), on a blank page. */
  async person(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await this.browser.newContext({ baseURL: this.baseURL, locale: 'en-US', ...options });
    this.contexts.push(context);
    // Not playwright's 30 s: a step that fails says so soon, within the journey's time.
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    context.on('page', (page) => this.watch(page));
    return context.newPage();
  }

  private watch(page: Page): void {
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        this.record({ url: page.url(), text: message.text(), resource: message.location().url || undefined });
      }
    });
    page.on('pageerror', (error) => this.record({ url: page.url(), text: `uncaught ${error.stack ?? error.message}` }));
  }

  private record(problem: PageProblem): void {
    const appOrigin = new URL(this.baseURL).origin;
    if (!ALLOWED_PROBLEMS.some((allowed) => allowed(problem, appOrigin))) this.problems.push(problem);
  }

  /** Closes every context; answers the console errors and warnings and uncaught errors seen, one line each. */
  async end(): Promise<string[]> {
    await Promise.all(this.contexts.splice(0).map((context) => context.close()));
    return this.problems
      .splice(0)
      .map(({ url, text, resource }) => `${url}: ${text}${resource && resource !== url ? ` (${resource})` : ''}`);
  }
}

const SCREENSHOTS_DIR = path.join(__dirname, 'screenshots');

/** Empties the screenshots folder: each run overwrites the last one's. */
export function clearScreenshots(): void {
  rmSync(SCREENSHOTS_DIR, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
}

/** Saves the whole page as screenshots/<name>.png (git-ignored), for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}
