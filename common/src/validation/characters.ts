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

/** C0 and C1 control characters and DEL: NUL, tabs, line breaks, escapes. No one-line text has them. */
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069): they reorder how the text
 * around them is shown ("Trojan Source"), so a title could display as something it is not. The
 * directional marks (U+200E, U+200F, U+061C) stay allowed: they only nudge neutral characters,
 * as right-to-left text sometimes needs.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;

/**
 * What shows nothing: whitespace, and the characters Unicode says to draw as nothing (zero-width
 * spaces and joiners, format characters, variation selectors, Hangul fillers), plus the blank
 * Braille pattern, a favourite of blank-looking names.
 */
const INVISIBLE_ONLY = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\u2800]*$/u;

export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

export function hasBidiControl(text: string): boolean {
  return BIDI_CONTROL.test(text);
}

/** Whether `text` would show as blank: it has no character that is drawn. */
export function looksBlank(text: string): boolean {
  return INVISIBLE_ONLY.test(text);
}
