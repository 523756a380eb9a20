import type { TokenScheme } from './access-token-extractor';

/**
 * Stable reason codes of refused requests: in the log (`reason`), the audit trail and the
 * `grantry_token_failures_total{reason}` metric, never in a response. docs/reason-codes.md
 * says what each means; a new code is added here and there.
 */
export const REASON_CODES = [
  // client authentication (invalid_client)
  'client_credentials_missing', 'client_credentials_malformed', 'client_unknown', 'client_secret_mismatch', 'client_certificate_mismatch', 'client_certificate_missing',
  'client_auth_method_mismatch', 'client_auth_method_not_allowed', 'client_id_mismatch', 'client_auth_methods_ambiguous',
  // JWT assertions: client assertions (invalid_client) and JWT bearer grants (invalid_grant)
  'assertion_malformed', 'assertion_alg_not_allowed', 'assertion_signature_invalid', 'assertion_claims_invalid',
  'assertion_expired', 'assertion_not_yet_valid', 'assertion_iat_too_old', 'assertion_lifetime_too_long',
  'assertion_audience_invalid', 'assertion_jti_replayed', 'assertion_issuer_unknown',
  // encrypted (JWE) assertions and encryption for clients
  'assertion_jwe_refused', 'assertion_jwe_key_unknown', 'assertion_undecryptable', 'client_encryption_key_unusable',
  // grants (invalid_grant, unauthorized_client, unsupported_grant_type)
  'grant_type_unsupported', 'grant_type_not_allowed', 'grant_code_invalid', 'grant_code_reused', 'redirect_uri_mismatch',
  'pkce_missing', 'pkce_mismatch', 'grant_refresh_token_invalid', 'grant_refresh_token_reused', 'grant_revoked', 'grant_expired',
  'subject_invalid', 'subject_unknown', 'identity_provider_disabled', 'user_sign_in_failed', 'user_changed',
  // scopes and audiences (invalid_scope, invalid_target)
  'scope_not_allowed', 'scope_widened', 'scope_malformed', 'admin_scope_misuse', 'target_not_allowed',
  // the security profile
  'sender_constraint_required',
  // DPoP (RFC 9449)
  'dpop_proof_invalid', 'dpop_proof_required', 'dpop_proof_replayed', 'dpop_nonce_required', 'dpop_key_mismatch',
  // anything else
  'request_invalid', 'database_unavailable', 'server_error', 'other',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** What an error carries besides its public description. */
export interface OAuthErrorOptions {
  /** Logged only, never shown: may say *why* (unknown client vs wrong secret) without telling an attacker. */
  detail?: string;
  /** Logged and counted only, never shown: the stable code of *why* (see `REASON_CODES`). */
  reason?: ReasonCode;
  cause?: unknown;
  /**
   * The error of a protected-resource request: the schemes its `WWW-Authenticate` challenges with
   * (RFC 6750 §3, RFC 9449 §7.1). `invalidToken`, `bearerRequired` and `insufficientScope` default to Bearer.
   */
  schemes?: readonly TokenScheme[];
  /** RFC 9449 §7.1: the `algs` of a `DPoP` challenge (the proof algorithms the resource accepts). */
  dpopAlgs?: readonly string[];
  /** Response headers the answer carries besides the challenge (RFC 9449 §8 `DPoP-Nonce`). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * An error description as it may go on the wire. RFC 6749 §4.1.2.1 and §5.2 (RFC 6750 §3 alike):
 * `error_description` is %x20-21 / %x23-5B / %x5D-7E — printable ASCII without `"` and `\`.
 * Descriptions quote what a request sent (`response_type "x" is not supported`), and a request
 * can send anything (a line break, a right-to-left override, a quote that ends the quoting): each
 * `"` becomes `'`, every other character outside the set one `?`, so the rest stays readable.
 */
export function errorDescriptionText(description: string): string {
  return description.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/gu, '?');
}

/** The scheme a protected resource of this server challenges with unless an error names others. */
const BEARER: readonly TokenScheme[] = Object.freeze(['Bearer']);

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
  /** Why, as a stable code for logs and metrics; `other` when the throw site named none. */
  readonly reason: ReasonCode;
  /** Set for errors of protected-resource requests: the answer challenges with these schemes. */
  readonly schemes?: readonly TokenScheme[];
  readonly dpopAlgs?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;

  constructor(
    readonly code: string,
    readonly description: string,
    readonly status = 400,
    options: OAuthErrorOptions = {},
  ) {
    super(description, { cause: options.cause });
    this.name = 'OAuthError';
    this.detail = options.detail;
    this.reason = options.reason ?? 'other';
    this.schemes = options.schemes;
    this.dpopAlgs = options.dpopAlgs;
    this.headers = options.headers;
  }

  /** Set by the token endpoint when the failed credentials came in the Authorization header. */
  viaAuthorizationHeader = false;

  static invalidRequest(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('invalid_request', description, 400, { reason: 'request_invalid', ...options });
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
    return new OAuthError('unsupported_grant_type', description, 400, { reason: 'grant_type_unsupported', ...options });
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
    return new OAuthError('invalid_token', description, 401, { schemes: BEARER, ...options });
  }

  /** RFC 6750 §3.1: no credentials at all; answered with a bare `Bearer realm` challenge and no error code in it. */
  static bearerRequired(description = 'a bearer access token is required', options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('unauthorized', description, 401, { schemes: BEARER, ...options });
  }

  static insufficientScope(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('insufficient_scope', description, 403, { schemes: BEARER, ...options });
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

  /** RFC 9110 §15.5.13: an `If-Match` that the record's current version does not satisfy. */
  static preconditionFailed(description: string, options?: OAuthErrorOptions): OAuthError {
    return new OAuthError('precondition_failed', description, 412, options);
  }
}
