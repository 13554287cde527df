/** One entry of the `{ errors: [...] }` body every service answers with. */
export interface SerializedError {
  message: string;
  field?: string;
}

/**
 * An error whose status and body are meant for the client. Anything thrown that is
 * not a CustomError is treated as a bug and answered with a generic 500.
 */
export abstract class CustomError extends Error {
  abstract readonly statusCode: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  abstract serializeErrors(): SerializedError[];
}
