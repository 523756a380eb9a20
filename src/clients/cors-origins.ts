/**
 * The web origins a client's browser code may call the token, revocation and userinfo endpoints
 * from (CORS). Registered as `allowed_cors_origins`; when the client registered none (null), a
 * public client gets the origins of its redirect URIs — a single-page app's pages live where its
 * redirect URIs do (Keycloak's web origin "+", node-oidc-provider's client-based CORS). A
 * confidential client gets none unless listed: its secret or key does not belong in a browser.
 */
import { OAuthError } from '../common/oauth-error';
import { isLoopbackHost } from './loopback-host';

/** More origins than any application has; keeps a registration bounded. */
export const MAX_CORS_ORIGINS = 100;
/** Longer than any real `scheme://host:port`. */
const MAX_ORIGIN_LENGTH = 512;

/**
 * RFC 6454 §6.2 serialised origin, exactly as a browser sends it in `Origin` (compared as
 * strings): `scheme://host[:port]`, lower case, no default port, no path, query, fragment, user
 * information or wildcard. https, or http on a loopback host as redirect URIs allow it.
 */
export function corsOrigin(value: unknown, field = 'allowed_cors_origins'): string {
  const invalid = (why: string) => OAuthError.invalidClientMetadata(`${field}: ${why}: ${JSON.stringify(value)}`);
  if (typeof value !== 'string' || !value) throw OAuthError.invalidClientMetadata(`${field} must be an array of origins (scheme://host[:port])`);
  if (value.length > MAX_ORIGIN_LENGTH || !/^[\x21-\x7E]+$/.test(value)) throw invalid('must be printable ASCII without spaces');
  // A browser never sends a pattern; a wildcard here would read as trust in every subdomain.
  if (value.includes('*')) throw invalid('wildcards are not allowed; list each origin');
  if (!URL.canParse(value)) throw invalid('not an origin (scheme://host[:port])');
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('must be an https origin');
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) throw invalid('http is allowed only for loopback hosts; use https');
  // url.origin drops path, query, fragment, user information and a default port, and lower-cases the host.
  if (url.origin !== value) throw invalid(`must be the bare origin ${url.origin}, without path, query, fragment or default port`);
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
