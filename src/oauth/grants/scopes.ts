import type { RegisteredClient } from '../../clients/registered-client';
import { OAuthError } from '../../common/oauth-error';

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

/**
 * `invalid_scope` naming what was refused and what the client may ask for, so its developer
 * sees at once which scope to register. Only the authenticated client reads it: its own registration.
 */
export function scopeNotAllowed(client: RegisteredClient, denied: readonly string[]): OAuthError {
  const registered = client.scopes.size ? `this client's registered scopes: ${[...client.scopes].join(' ')}` : 'this client has no registered scopes';
  return OAuthError.invalidScope(`scope not allowed for this client: ${denied.join(' ')} (${registered})`, { reason: 'scope_not_allowed' });
}
