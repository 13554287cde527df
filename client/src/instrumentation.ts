/** Runs once when the server starts: a bad configuration stops it with one line naming the variable. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { clientConfig } = await import('./lib/config');
  try {
    clientConfig();
  } catch (err) {
    // Next only logs an error thrown here and keeps serving 500s; a server that cannot work must not start.
    console.error(String(err));
    process.exit(1);
  }
}
