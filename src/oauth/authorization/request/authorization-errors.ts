import { OAuthError } from '../../../common/oauth-error';

/**
 * An authorization request that cannot be answered at the client's redirect URI — the client or
 * the redirect URI is unknown or invalid: the user sees an error page, and nothing is redirected
 * (RFC 6749 §4.1.2.1, RFC 9700 §4.11: no open redirector).
 */
export class AuthorizationPageError extends Error {
  override name = 'AuthorizationPageError';

  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/** An error answered at the redirect URI, with `state` and `iss` (RFC 6749 §4.1.2.1, RFC 9207). */
export function redirectError(error: string, description: string): OAuthError {
  return new OAuthError(error, description, 302);
}
