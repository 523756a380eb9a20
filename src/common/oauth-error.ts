/**
 * The one error type of grantry's OAuth surface.
 *
 * `code` and `description` are shown to the client (RFC 6749 §5.2); `detail` is logged only,
 * so it may say *why* (unknown client vs wrong secret) without telling an attacker.
 */
export class OAuthError extends Error {
  constructor(
    readonly code: string,
    readonly description: string,
    readonly status = 400,
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(description, options);
    this.name = 'OAuthError';
  }

  /** Set by the token endpoint when the failed credentials came in the Authorization header. */
  viaAuthorizationHeader = false;

  static invalidRequest(description: string, detail?: string): OAuthError {
    return new OAuthError('invalid_request', description, 400, detail);
  }

  /** RFC 6749 §5.2: one description for every client-authentication failure; why goes to the log. */
  static invalidClient(detail: string, description = 'client authentication failed'): OAuthError {
    return new OAuthError('invalid_client', description, 401, detail);
  }

  static invalidGrant(description: string, detail?: string): OAuthError {
    return new OAuthError('invalid_grant', description, 400, detail);
  }

  static unauthorizedClient(description: string): OAuthError {
    return new OAuthError('unauthorized_client', description, 400);
  }

  static unsupportedGrantType(description = 'grant_type is not supported'): OAuthError {
    return new OAuthError('unsupported_grant_type', description, 400);
  }

  static invalidScope(description: string): OAuthError {
    return new OAuthError('invalid_scope', description, 400);
  }

  /** RFC 8707 §2. */
  static invalidTarget(description: string): OAuthError {
    return new OAuthError('invalid_target', description, 400);
  }

  /** RFC 6750 §3.1. */
  static invalidToken(detail: string): OAuthError {
    return new OAuthError('invalid_token', 'the access token is invalid, expired or revoked', 401, detail);
  }

  static insufficientScope(required: string): OAuthError {
    return new OAuthError('insufficient_scope', `the access token lacks scope "${required}"`, 403);
  }

  /** RFC 7591 §3.2.2. */
  static invalidClientMetadata(description: string): OAuthError {
    return new OAuthError('invalid_client_metadata', description, 400);
  }

  static notFound(description: string): OAuthError {
    return new OAuthError('not_found', description, 404);
  }

  static conflict(description: string): OAuthError {
    return new OAuthError('conflict', description, 409);
  }
}
