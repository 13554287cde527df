/** A MongoDB ObjectId as it travels in URLs, bodies and events: 24 hexadecimal digits. */
export const OBJECT_ID_PATTERN = /^[0-9a-fA-F]{24}$/;

/** The one check of "is this an id" used by routes, cursors and event schemas. */
export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID_PATTERN.test(value);
}
