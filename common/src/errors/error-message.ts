/** The message of whatever was thrown, an Error or not. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
