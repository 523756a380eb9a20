import { AuthorizationPageError } from '../request/authorization-errors';

/**
 * The interaction cannot go on: expired, finished, or started in another browser. An error page:
 * its redirect URI is not to be trusted with an answer any more.
 */
export class InteractionGone extends AuthorizationPageError {
  override name = 'InteractionGone';

  constructor() {
    super('invalid_request', 'This sign-in has expired or was already finished. Go back to the application and start again.');
  }
}
