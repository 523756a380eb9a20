/**
 * Every table the housekeeping sweep deletes expired rows from, swept in this order. Each has an
 * `expires_at` column (epoch seconds, BIGINT) with an index of its own, and a row past it (plus
 * `[housekeeping] grace_period`) guards nothing any more. Adding a table is one line here; give
 * it an index on `expires_at` in its migration.
 */
export const SWEPT_TABLES: readonly string[] = [
  // Assertion jtis: kept until the assertion's exp plus the accepted skew, after which a replay fails on exp.
  'used_jtis',
  // DPoP proof jtis (RFC 9449 §11.1): kept [oauth.dpop] proof_max_age (plus skew), after which a replay fails on iat.
  'dpop_jtis',
  // Opaque access tokens.
  'access_tokens',
  // The deny-list of revoked JWT access tokens: an entry is needed only until the JWT's own exp.
  'revoked_access_tokens',
  'refresh_tokens',
  // Authorization codes: one-time, valid [oauth.grant_type.authorization_code] code_ttl seconds.
  'authorization_codes',
  // Pushed authorization requests (RFC 9126), past their [oauth.par] request_uri_ttl.
  'pushed_requests',
  // Sign-ins and consents the user never finished.
  'interactions',
  // Browser sessions past their [login] session_ttl.
  'sessions',
  // Initial access tokens for dynamic registration, past their expires_at (24 hours by default).
  'initial_access_tokens',
  // Last: a grant's absolute end, which no token issued under it outlives.
  'grant_records',
];

/**
 * Kept for a retention period rather than to an expiry: audit events, `[audit] retention_days`
 * from their `occurred_at` (indexed), swept after the expired rows.
 */
export const RETAINED_TABLES = [{ table: 'audit_events', column: 'occurred_at' }] as const;
