/** What an error carries besides its public description. */
export interface OAuthErrorOptions {
  /** Logged only, never shown: may say *why* (unknown client vs wrong secret) without telling an attacker. */
  detail?: string;
  cause?: unknown;
}

/** RFC 6749 §5.2: one description for every client-authentication failure; why goes to the log. */
export const CLIENT_AUTHENTICATION_FAILED = 'client authentication failed';

/**
 * The one error type of grantry's OAuth surface. `code` and `description` are shown to the
 * client (RFC 6749 §5.2); `detail` is logged only.
 *
 * Every factory takes one shape: `(description, { detail, cause })`.
 */
export class OAuthError extends Error {
  readonly detail?: string;

  constructor(
    readonly code: string,
    readonly description: string,
    readonly status = 400,
    options: OAuthErrorOptions = {},
  ) {
    super(description, { cause: options.cause });
    this.name = 'OAuthError';
    this.detail = options.detail;
  }

  /** Set by the token endpoint when the failed credentials came in the Authorization header. */
  viaAuthorizationHeader = false;

  static invalidRequest(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('invalid_request', description, 400, options);
  }

  /** Keep the default description unless a signature has proved who is asking (no oracle for strangers). */
  static invalidClient(description = CLIENT_AUTHENTICATION_FAILED, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('invalid_client', description, 401, options);
  }

  static invalidGrant(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('invalid_grant', description, 400, options);
  }

  static unauthorizedClient(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('unauthorized_client', description, 400, options);
  }

  static unsupportedGrantType(description = 'grant_type is not supported', options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('unsupported_grant_type', description, 400, options);
  }

  static invalidScope(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('invalid_scope', description, 400, options);
  }

  /** RFC 8707 §2. */
  static invalidTarget(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('invalid_target', description, 400, options);
  }

  /** RFC 6750 §3.1. */
  static invalidToken(description = 'the access token is invalid, expired or revoked', options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('invalid_token', description, 401, options);
  }

  /** RFC 6750 §3.1: no credentials at all; answered with a bare `Bearer realm` challenge and no error code in it. */
  static bearerRequired(description = 'a bearer access token is required', options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('unauthorized', description, 401, options);
  }

  static insufficientScope(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('insufficient_scope', description, 403, options);
  }

  /** RFC 7591 §3.2.2. */
  static invalidClientMetadata(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('invalid_client_metadata', description, 400, options);
  }

  /** RFC 6749 §4.1.2.1: the resource owner or the server denied the request (sent to the redirect URI). */
  static accessDenied(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('access_denied', description, 302, options);
  }

  static notFound(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('not_found', description, 404, options);
  }

  static conflict(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('conflict', description, 409, options);
  }
}
