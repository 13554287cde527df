/**
 * The wording of input errors, the same in every service. `label` is the field as a person
 * names it ("Ticket id"); the error's `field` carries the JSON name (`ticketId`).
 */
export const fieldMessages = {
  required: (label: string) => `${label} is required`,
  mustBeString: (label: string) => `${label} must be a string`,
  invalidId: (label: string) => `${label} must be a 24-character hexadecimal id`,
  tooLong: (label: string, maxCharacters: number) => `${label} must be at most ${maxCharacters} characters`,
  controlCharacters: (label: string) =>
    `${label} must be one line of text, without control characters (line breaks, tabs, NUL and the like)`,
  bidiControls: (label: string) =>
    `${label} cannot contain characters that override the direction of the text (U+202A to U+202E, U+2066 to U+2069)`,
  invisible: (label: string) => `${label} must contain visible characters, not only spaces or invisible ones`,
  unknownField: (field: string) => `Unknown field ${field}: remove it from the request`,
};

/** Messages about the request as a whole. */
export const requestMessages = {
  bodyNotJson: 'Send the request body as JSON, with Content-Type: application/json',
  bodyNotUtf8: 'Send the request body encoded as UTF-8',
  bodyNotObject: 'The request body must be a JSON object',
  malformedJson: 'The request body is not valid JSON: check its syntax',
  bodyTooLarge: 'The request body is too large',
  bodyCompressed: 'Send the request body uncompressed (no Content-Encoding)',
  notSignedIn: 'Sign in to do this',
  crossSite: 'This request came from another website: changes are accepted only from our own pages',
  routeNotFound: 'No such route: check the method and the path',
  internalError: 'Something went wrong on our side; try again later',
};
