import { ADMIN_SCOPE, type RegisteredClient } from '../../clients/registered-client';
import { OAuthError } from '../../common/oauth-error';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Who reads a refusal: the authenticated client at the token endpoint, whose own registration the
 * answer may name to help its developer; or anyone, at the authorization endpoint, where the
 * request is not authenticated and the answer travels through the browser.
 */
export type ScopeReader = 'client' | 'anyone';

/**
 * The scope policy of every endpoint, in one place with one wording and reason code per rule:
 * each scope a well-formed scope token (RFC 6749 §3.3) and registered for the client. The
 * reserved `admin` scope is the token policy's to judge (`adminScopeMisuse`).
 */
export function checkScopes(client: RegisteredClient, scopes: readonly string[], reader: ScopeReader): void {
  const malformed = scopes.find((scope) => !SCOPE_TOKEN.test(scope));
  if (malformed !== undefined) throw OAuthError.invalidScope(`malformed scope token: ${JSON.stringify(malformed)}`, { reason: 'scope_malformed' });
  const denied = scopes.filter((scope) => !client.scopes.has(scope));
  if (denied.length) throw scopeNotAllowed(client, denied, reader);
}

/**
 * `invalid_scope` naming what was refused — and, for the authenticated client, what it may ask
 * for, so its developer sees at once which scope to register.
 */
export function scopeNotAllowed(client: RegisteredClient, denied: readonly string[], reader: ScopeReader = 'client'): OAuthError {
  const registered = client.scopes.size ? `this client's registered scopes: ${[...client.scopes].join(' ')}` : 'this client has no registered scopes';
  return OAuthError.invalidScope(`scope not allowed for this client: ${denied.join(' ')}${reader === 'client' ? ` (${registered})` : ''}`, { reason: 'scope_not_allowed' });
}

/** The reserved `admin` scope asked for where it is never granted: only client_credentials gives it, to a client acting for itself, alone. */
export function adminScopeMisuse(combined = false): OAuthError {
  return OAuthError.invalidScope(
    combined ? `the ${ADMIN_SCOPE} scope cannot be combined with other scopes in one request` : `the ${ADMIN_SCOPE} scope is granted only by client_credentials to a client acting for itself`,
    { reason: 'admin_scope_misuse' },
  );
}

/**
 * The scopes a client gets: with no `scope` parameter its registered default scopes
 * (RFC 6749 §3.3 lets the server choose); otherwise exactly what it asked for, all of
 * which must be registered — an unlisted scope is refused, never silently narrowed.
 */
export function grantableScopes(client: RegisteredClient, requested: readonly string[]): string[] {
  if (!requested.length) return [...client.defaultScopes];
  const denied = requested.filter((scope) => !client.scopes.has(scope));
  if (denied.length) throw scopeNotAllowed(client, denied);
  return [...requested];
}
