/**
 * The web origins a client's browser code may call the token, revocation and userinfo endpoints
 * from (CORS). Registered as `allowed_cors_origins`; when the client registered none (null), a
 * public client gets the origins of its redirect URIs — a single-page app's pages live where its
 * redirect URIs do (Keycloak's web origin "+", node-oidc-provider's client-based CORS). A
 * confidential client gets none unless listed: its secret or key does not belong in a browser.
 */
import { originProblem } from '../common/cors/serialised-origin';
import { OAuthError } from '../common/oauth-error';
import { isLoopbackHost } from './loopback-host';

/** More origins than any application has; keeps a registration bounded. */
export const MAX_CORS_ORIGINS = 100;

/**
 * RFC 6454 §6.2 serialised origin, exactly as a browser sends it in `Origin` (compared as
 * strings): `scheme://host[:port]`, lower case, no default port, no path, query, fragment, user
 * information or wildcard (`originProblem`, which preflights answer by too). https, or http on a
 * loopback host as redirect URIs allow it.
 */
export function corsOrigin(value: unknown, field = 'allowed_cors_origins'): string {
  const invalid = (why: string) => OAuthError.invalidClientMetadata(`${field}: ${why}: ${JSON.stringify(value)}`);
  if (typeof value !== 'string' || !value) throw OAuthError.invalidClientMetadata(`${field} must be an array of origins (scheme://host[:port])`);
  const problem = originProblem(value);
  if (problem) throw invalid(problem);
  const url = new URL(value);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) throw invalid('http is allowed only for loopback hosts; use https');
  return value;
}

/** What the token endpoint checks an `Origin` against: computed once per loaded client, never per request. */
export function effectiveCorsOrigins(registered: readonly string[] | null, authMethod: string, redirectUris: readonly string[]): ReadonlySet<string> {
  if (registered) return new Set(registered);
  if (authMethod !== 'none') return EMPTY;
  const origins = new Set<string>();
  for (const uri of redirectUris) {
    // A native app's private-use scheme (com.example.app:/cb) has no web origin ("null").
    const { protocol, origin } = new URL(uri);
    if (protocol === 'https:' || protocol === 'http:') origins.add(origin);
  }
  return origins;
}

const EMPTY: ReadonlySet<string> = new Set();
