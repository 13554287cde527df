import { ForbiddenError } from './forbidden-error';

/** 403 for a signed-in user touching someone else's resource, worded the same in every service. */
export class NotOwnerError extends ForbiddenError {
  /** `resource` as a person names it: 'ticket', 'order', 'payment'. */
  constructor(resource: string) {
    super(`This ${resource} belongs to another user`);
  }
}
