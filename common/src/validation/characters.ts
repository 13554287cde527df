/**
 * The length of a text as users and our limits count it: Unicode code points, so an emoji is one
 * character (JavaScript's `length` counts it as two). Input checks and model validators both count
 * with this, so a text accepted by one is never refused by the other.
 */
export function characterCount(text: string): number {
  let count = 0;
  for (const _codePoint of text) count += 1;
  return count;
}
