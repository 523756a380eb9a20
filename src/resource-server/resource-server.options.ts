import { ACCESS_TOKEN_ALGS } from '../oauth/tokens/access-token-verification';
import { ASYMMETRIC_ALGS } from '../keys/jwk-selection';
import { DPOP_SIGNING_ALGS } from '../oauth/dpop/dpop-proof';
import { InMemoryDpopJtiStore, type DpopJtiStore } from './dpop-jti-store';

/** Injection token of the checked options. */
export const RESOURCE_SERVER_OPTIONS = Symbol('grantry.resource-server.options');

/**
 * RFC 7662 introspection at the authorization server. Opaque tokens (anything that is not three
 * dot-separated parts) can only be checked this way: without introspection they are refused.
 *
 * JWT access tokens are introspected too under `mode: 'always'` (the default), after they
 * verified locally, so a token revoked at grantry stops here at once. Under `'opaque-only'` a
 * JWT is checked offline only, and a revoked JWT is accepted until its `exp`.
 */
export interface IntrospectionOptions {
  /** This resource server's client at grantry; it authenticates with client_secret_basic. */
  clientId: string;
  clientSecret: string;
  /** Default: `introspection_endpoint` from the authority's discovery document. Required in certificate mode. */
  endpoint?: string;
  mode?: 'always' | 'opaque-only';
  /**
   * Seconds an active answer is remembered (per token, never past its `exp`); default 0: every
   * request asks. A revocation then takes up to this long to be seen.
   */
  cacheTtl?: number;
  /**
   * Seconds an inactive answer is remembered (default 10; 0: never), so a junk or revoked token
   * sent again and again costs grantry one call per this long. An inactive token never becomes
   * active again, so this delays nothing a user waits for. Whatever the caches, identical
   * tokens checked at the same time share one call. Both caches hold at most 10,000 tokens each,
   * keyed by the token's SHA-256: the token itself is neither kept nor logged.
   */
  inactiveCacheTtl?: number;
}

/**
 * DPoP-bound access tokens (RFC 9449 §7): with these options the guard also takes
 * `Authorization: DPoP <token>` with a `DPoP` proof of the request, and checks the proof's `htm`,
 * `htu`, `iat`, `ath` and that its key is the token's `cnf.jkt`. Without them a DPoP-bound token
 * is refused (it is never accepted as a bearer token).
 */
export interface DpopOptions {
  /**
   * This API's public base URL, as clients call it (`https://api.example.com`, with a path prefix
   * a proxy strips): a proof's `htu` must be it followed by the request's path. Never taken from
   * the Host header.
   */
  url: string;
  /** Seconds a proof's `iat` may lie in the past (default 60, grantry's `[oauth.dpop] proof_max_age`). */
  proofMaxAge?: number;
  /** Proof algorithms accepted (default: grantry's `dpop_signing_alg_values_supported`). */
  algorithms?: string[];
  /** Where used proofs are remembered (default: in this process; share one across instances — see DpopJtiStore). */
  jtiStore?: DpopJtiStore;
}

interface CommonOptions {
  /** This API's identifier: a token's `aud` must name it (or one of them). */
  audience: string | string[];
  /** Allowed JWS algorithms (default RS256, PS256, ES256, EdDSA); `none` and HS* are never allowed. */
  algorithms?: string[];
  /** Seconds of leeway for `exp`, `nbf` and an `iat` in the future (default 30): a token issued later than that is refused. */
  clockTolerance?: number;
  /** `realm` of the WWW-Authenticate challenge (default: the first audience). */
  realm?: string;
  /** Allow http:// for the authority, the JWKS and introspection (tests, local development). Default false: https only. */
  allowInsecureHttp?: boolean;
  introspection?: IntrospectionOptions;
  /** Guard every route of the application (APP_GUARD); `@SkipAccessToken()` exempts one. Default false: `@UseGuards(AccessTokenGuard)`. */
  globalGuard?: boolean;
  /**
   * Behind a TLS-terminating proxy: the header it forwards the client certificate in (URL-encoded
   * PEM), for certificate-bound tokens (RFC 8705 §3). Only the proxy may be able to reach the
   * application. Default: the application's own TLS connection only.
   */
  clientCertificateHeader?: string;
  /** Accept DPoP-bound tokens (RFC 9449) with a proof of each request. */
  dpop?: DpopOptions;
}

/** Validate by the authorization server's URL: discovery gives `issuer` and `jwks_uri`; the JWKS is cached and refetched on key rotation. */
export interface AuthorityOptions extends CommonOptions {
  /** grantry's issuer URL; `<authority>/.well-known/openid-configuration` is fetched. */
  authority: string;
  /** Expected `iss` when it differs from `authority` (grantry reached by an internal URL); discovery must report this issuer. */
  issuer?: string;
  /** Longest a fetched JWKS is used before it is fetched again (seconds, default 600; a shorter Cache-Control max-age wins). */
  jwksCacheMaxAge?: number;
  /**
   * Fewest seconds between two JWKS fetches, whatever prompts them (a token with an unknown `kid`,
   * a failure), and between two reads of the discovery document; default 10.
   */
  jwksRefetchCooldown?: number;
  /**
   * Longest the discovery document (`jwks_uri`, `introspection_endpoint`) is used before it is read
   * again (seconds, default 3600; a shorter Cache-Control max-age wins). It is also read again after
   * a JWKS fetch failed, in case the `jwks_uri` moved.
   */
  discoveryCacheMaxAge?: number;
  /**
   * Seconds past their lifetime the last JWKS and discovery document fetched still serve while
   * fetching them again fails — grantry unreachable, or answering 500 (RFC 5861 stale-if-error);
   * default 3600; 0: never past their lifetime. A failed fetch never empties the keys: a token
   * whose `kid` they lack is refused (401), every other token is checked as before. Past this,
   * requests answer 503 until grantry answers again.
   */
  staleIfError?: number;
  certificateFile?: never;
  publicKeyFile?: never;
}

/** Validate offline against the signing key's certificate (`grantry keys export --cert`) or SPKI public key; no fetch at all. */
export interface CertificateOptions extends CommonOptions {
  /** Expected `iss`: grantry's issuer (`[server] base_url`). */
  issuer: string;
  /** PEM file(s) of X.509 certificates; several during a key rotation. Either kind of file may hold either kind of PEM. */
  certificateFile?: string | string[];
  /** PEM file(s) of SPKI public keys (`-----BEGIN PUBLIC KEY-----`). */
  publicKeyFile?: string | string[];
  authority?: never;
}

export type ResourceServerOptions = AuthorityOptions | CertificateOptions;

/** The options once checked, defaults applied. */
export interface CheckedOptions {
  audience: string[];
  algorithms: string[];
  clockTolerance: number;
  realm: string;
  allowInsecureHttp: boolean;
  authority?: { url: string; issuer?: string; jwksCacheMaxAge: number; jwksRefetchCooldown: number; discoveryCacheMaxAge: number; staleIfError: number };
  certificate?: { issuer: string; files: string[] };
  introspection?: Required<Omit<IntrospectionOptions, 'endpoint'>> & { endpoint?: string };
  /** Lower-case. */
  clientCertificateHeader?: string;
  dpop?: { url: string; proofMaxAge: number; algorithms: string[]; jtiStore: DpopJtiStore };
}

/** Checks the options once, at start-up: a mistake stops the application with a message naming the option. */
export function checkOptions(options: ResourceServerOptions): CheckedOptions {
  const fail = (message: string): never => {
    throw new Error(`grantry/resource-server: ${message}`);
  };
  if (!options || typeof options !== 'object') fail('options are required');
  const audience = ([] as unknown[]).concat(options.audience ?? []);
  if (!audience.length || !audience.every((value): value is string => typeof value === 'string' && value.length > 0)) {
    fail('audience must be a non-empty string or array of strings');
  }
  const algorithms = options.algorithms ?? [...ACCESS_TOKEN_ALGS];
  const refused = algorithms.filter((alg) => !ASYMMETRIC_ALGS.includes(alg));
  if (!algorithms.length || refused.length) fail(`algorithms: ${refused.join(', ') || '(none)'} not allowed; use asymmetric JWS algorithms (never none or HS*)`);
  const realm = options.realm ?? (audience[0] as string);
  // RFC 7235 §2.2 quoted-string, kept simple: no quote, backslash or control character.
  if (/["\\\u0000-\u001f\u007f]/.test(realm)) fail('realm must not contain quotes, backslashes or control characters');
  const checked: CheckedOptions = {
    audience: audience as string[],
    algorithms,
    clockTolerance: seconds(options.clockTolerance, 30, 'clockTolerance', fail),
    realm,
    allowInsecureHttp: options.allowInsecureHttp === true,
  };
  if (options.clientCertificateHeader !== undefined) {
    if (typeof options.clientCertificateHeader !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(options.clientCertificateHeader)) fail('clientCertificateHeader must be an HTTP header name');
    checked.clientCertificateHeader = options.clientCertificateHeader.toLowerCase();
  }
  const files = [...list(options.certificateFile), ...list(options.publicKeyFile)];
  if (options.authority !== undefined) {
    if (files.length) fail('give either authority or certificateFile/publicKeyFile, not both');
    checked.authority = {
      url: url(options.authority, 'authority', checked.allowInsecureHttp, fail).replace(/\/+$/, ''),
      issuer: options.issuer,
      jwksCacheMaxAge: seconds(options.jwksCacheMaxAge, 600, 'jwksCacheMaxAge', fail),
      jwksRefetchCooldown: seconds(options.jwksRefetchCooldown, 10, 'jwksRefetchCooldown', fail),
      discoveryCacheMaxAge: seconds(options.discoveryCacheMaxAge, 3600, 'discoveryCacheMaxAge', fail),
      staleIfError: seconds(options.staleIfError, 3600, 'staleIfError', fail),
    };
  } else {
    if (!files.length) fail('give authority (a URL) or certificateFile / publicKeyFile (PEM files)');
    if (typeof options.issuer !== 'string' || !options.issuer) fail('issuer is required with certificateFile / publicKeyFile');
    checked.certificate = { issuer: options.issuer!, files };
  }
  if (options.dpop !== undefined) {
    const dpop = options.dpop;
    if (!dpop || typeof dpop !== 'object') fail('dpop must be an object with url');
    const algorithms = dpop.algorithms ?? [...DPOP_SIGNING_ALGS];
    const unknown = algorithms.filter((alg) => !DPOP_SIGNING_ALGS.includes(alg));
    if (!algorithms.length || unknown.length) fail(`dpop.algorithms: ${unknown.join(', ') || '(none)'} not allowed; use asymmetric JWS algorithms`);
    if (dpop.jtiStore !== undefined && typeof dpop.jtiStore?.use !== 'function') fail('dpop.jtiStore must have a use(key, expiresAt) method');
    checked.dpop = {
      url: url(dpop.url, 'dpop.url', checked.allowInsecureHttp, fail).replace(/\/+$/, ''),
      proofMaxAge: seconds(dpop.proofMaxAge, 60, 'dpop.proofMaxAge', fail),
      algorithms,
      jtiStore: dpop.jtiStore ?? new InMemoryDpopJtiStore(),
    };
  }
  const introspection = options.introspection;
  if (introspection) {
    if (typeof introspection.clientId !== 'string' || !introspection.clientId) fail('introspection.clientId is required');
    if (typeof introspection.clientSecret !== 'string' || !introspection.clientSecret) fail('introspection.clientSecret is required');
    if (introspection.endpoint !== undefined) url(introspection.endpoint, 'introspection.endpoint', checked.allowInsecureHttp, fail);
    else if (!checked.authority) fail('introspection.endpoint is required with certificateFile / publicKeyFile');
    const mode = introspection.mode ?? 'always';
    if (mode !== 'always' && mode !== 'opaque-only') fail(`introspection.mode must be 'always' or 'opaque-only'`);
    checked.introspection = {
      clientId: introspection.clientId,
      clientSecret: introspection.clientSecret,
      endpoint: introspection.endpoint,
      mode,
      cacheTtl: seconds(introspection.cacheTtl, 0, 'introspection.cacheTtl', fail),
      inactiveCacheTtl: seconds(introspection.inactiveCacheTtl, 10, 'introspection.inactiveCacheTtl', fail),
    };
  }
  return checked;
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : ([] as string[]).concat(value);
}

function seconds(value: number | undefined, fallback: number, name: string, fail: (message: string) => never): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${name} must be a number of seconds, 0 or more`);
  return value;
}

function url(value: unknown, name: string, allowInsecureHttp: boolean, fail: (message: string) => never): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(String(value));
  } catch {
    fail(`${name} is not a URL`);
  }
  if (parsed!.protocol !== 'https:' && !(allowInsecureHttp && parsed!.protocol === 'http:')) {
    fail(`${name} must be an https URL (http only with allowInsecureHttp)`);
  }
  return String(value);
}
