// The Chromium the browser tests and the benchmark drive, and how it is started: one definition for both.

/** Debian's Chromium, unless CHROMIUM_PATH names another (GitHub's runners: their Google Chrome). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// The machine has no internet: without these, Chromium keeps trying to reach Google (updates,
// sync, field trials) and QUIC probes. --no-sandbox: tests run as root, where the sandbox cannot start.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
