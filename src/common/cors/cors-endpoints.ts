/**
 * Which endpoints a browser may call from another origin (Fetch standard, "CORS protocol"), and
 * how. Every path not listed — the admin API, authorization, introspection, registration, the
 * login, consent and logout pages — never answers CORS: those are for servers, or are pages the
 * browser navigates to, and a readable cross-origin answer from one would only help an attacker.
 */
export interface CorsEndpoint {
  /**
   * `any`: public documents, readable from every origin (`*`, never with credentials).
   * `client`: only the allowed origins of the client the request turns out to come from — the
   * authenticated client (token, revocation) or the access token's client (userinfo).
   */
  readonly origins: 'any' | 'client';
  /** Access-Control-Allow-Methods, and Allow for a plain OPTIONS. */
  readonly methods: string;
}

const CLIENT_POST: CorsEndpoint = { origins: 'client', methods: 'POST' };
const ANY_GET: CorsEndpoint = { origins: 'any', methods: 'GET' };

export const CORS_ENDPOINTS: ReadonlyMap<string, CorsEndpoint> = new Map([
  ['/oauth2/token', CLIENT_POST],
  ['/oauth2/revoke', CLIENT_POST],
  // RFC 9126: a browser-based (public) client pushes its request as it calls the token endpoint.
  ['/oauth2/par', CLIENT_POST],
  ['/oauth2/userinfo', { origins: 'client', methods: 'GET, POST' }],
  ['/oauth2/jwks', ANY_GET],
  ['/.well-known/openid-configuration', ANY_GET],
  ['/.well-known/oauth-authorization-server', ANY_GET],
]);

/**
 * Request headers a client's browser code sends beyond the CORS-safelisted ones: the client's
 * credentials or the access token, a form Content-Type (safelisted, but listed for `fetch`
 * calls that send JSON-looking types), and a DPoP proof (RFC 9449 §4.1).
 */
export const CLIENT_REQUEST_HEADERS = 'Authorization, Content-Type, DPoP';

/** Seconds a browser may reuse a preflight answer: it depends on the path and origin only. */
export const PREFLIGHT_MAX_AGE = '3600';
