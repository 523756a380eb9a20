import type { PkceSettings } from '../../config/config.schema';

/** RFC 7636 at the authorization endpoint, as a profile demands it. */
export interface PkcePolicy {
  /** S256 from every client of the code flow (public clients need it whatever the profile). */
  readonly required: boolean;
  /** `code_challenge_method=plain` accepted (RFC 9700 §2.1.1: S256 is what clients should use). */
  readonly allowPlain: boolean;
}

/** What a profile narrows; a list left out allows everything the deployment enables. */
export interface SecurityProfileRules {
  readonly name: string;
  readonly pkce: PkcePolicy;
  /** Response types allowed at the authorization endpoint, of those the enabled grants serve. */
  readonly responseTypes?: readonly string[];
  /** Client authentication methods allowed at every client endpoint, of those enabled. */
  readonly clientAuthMethods?: readonly string[];
  /** JWS algorithms allowed for what clients sign (client assertions; request objects next), of those supported. */
  readonly signingAlgs?: readonly string[];
  /** RFC 9126 §5: authorization requests only as pushed requests (`request_uri`). */
  readonly parRequired?: boolean;
  /** Access tokens only sender-constrained (RFC 9449 DPoP or RFC 8705 mTLS); never plain bearer tokens. */
  readonly senderConstraintRequired?: boolean;
  /** RFC 9449 §8: every DPoP proof carries a server nonce, whatever `[oauth.dpop] require_nonce` says (FAPI 2). */
  readonly dpopNonceRequired?: boolean;
  /** Unsigned request objects (`alg: none`) from clients registered without a signing alg (OIDC Core §6.1: a Dynamic OP takes them). Default true. */
  readonly unsignedRequestObjects?: boolean;
  /**
   * Which parameters of a request with a request object count: `object` only the object's (RFC 9101
   * §6.3, FAPI); `oidc` the OIDC Core §6.3 merge (outside `client_id`/`response_type` must match, the
   * object's values win). Default `oidc`.
   */
  readonly requestObjectParams?: RequestObjectParams;
  /**
   * Client assertions (and the endpoints' other JWTs from clients) name the issuer identifier alone,
   * as a single string `aud`: not the token endpoint's URL, not an array (FAPI 2.0 SP §5.3.2.1).
   * Default false: the token endpoint, the issuer and the PAR endpoint, in any form RFC 7523 allows.
   */
  readonly issuerAudienceOnly?: boolean;
  /**
   * How far in the future a client's `iat`/`nbf` may be, whatever the configured skew says: the
   * skew is kept within [min, max] (FAPI 2.0 SP §5.3.2.1: accept 10 s, refuse more than 60 s).
   */
  readonly futureSkew?: { readonly min: number; readonly max: number };
  /** Longest life of an authorization code in seconds, whatever `code_ttl` says (FAPI 2.0 SP §5.3.2.1: 60). */
  readonly maxCodeLifetime?: number;
  /**
   * Whose refresh tokens are rotated at each use (RFC 9700 §4.14.2): `all` (default), or only
   * `public` clients' — FAPI 2.0 SP §5.3.2.1: no rotation for confidential clients, whose client
   * authentication already binds the token.
   */
  readonly refreshTokenRotation?: 'all' | 'public';
  /**
   * Every authorization request is a signed request object (RFC 9101), whose `nbf` is at most 60
   * minutes old and `exp` at most 60 minutes after it (FAPI 2.0 Message Signing §5.3.1).
   */
  readonly signedRequestObjectRequired?: boolean;
  /** Authorization responses only as JWTs (JARM): the default response mode is the JWT one, a plain mode is refused. */
  readonly jwtAuthorizationResponses?: boolean;
  /**
   * Signed request objects must carry `exp` (RFC 9101 §10.2 recommends it; FAPI 2 Message Signing
   * §5.3.1 requires it). Default false: OIDC Core §6.1 makes `exp` optional. When present it is
   * checked either way (expired refused, `[oauth.request_object] max_lifetime`).
   */
  readonly requestObjectExpRequired?: boolean;
}

/** See `SecurityProfileRules.requestObjectParams`. */
export type RequestObjectParams = 'oidc' | 'object';

/**
 * One set of security decisions that every endpoint asks instead of reading switches of its own:
 * PKCE, response types, client authentication methods, signing algorithms, pushed requests,
 * sender-constrained tokens. Discovery advertises what it allows. A profile only narrows what the
 * deployment enables; it never switches on what is off. Resolved per request by `SecurityProfiles`
 * (the tenant's, then the client's). `baseline` is the deployment file's switches as they are;
 * a FAPI 2 profile is another value of this class, not another set of switches.
 */
export class SecurityProfile {
  readonly name: string;
  readonly pkce: PkcePolicy;
  readonly parRequired: boolean;
  readonly senderConstraintRequired: boolean;
  readonly dpopNonceRequired: boolean;
  readonly unsignedRequestObjects: boolean;
  readonly requestObjectParams: RequestObjectParams;
  readonly issuerAudienceOnly: boolean;
  private readonly futureSkew?: { readonly min: number; readonly max: number };
  private readonly maxCodeLifetime?: number;
  private readonly refreshTokenRotation: 'all' | 'public';
  readonly signedRequestObjectRequired: boolean;
  readonly jwtAuthorizationResponses: boolean;
  readonly requestObjectExpRequired: boolean;
  private readonly responseTypes?: ReadonlySet<string>;
  private readonly clientAuthMethods?: ReadonlySet<string>;
  private readonly signingAlgs?: ReadonlySet<string>;

  constructor(rules: SecurityProfileRules) {
    this.name = rules.name;
    this.pkce = Object.freeze({ ...rules.pkce });
    this.parRequired = rules.parRequired ?? false;
    this.senderConstraintRequired = rules.senderConstraintRequired ?? false;
    this.dpopNonceRequired = rules.dpopNonceRequired ?? false;
    this.unsignedRequestObjects = rules.unsignedRequestObjects ?? true;
    this.requestObjectParams = rules.requestObjectParams ?? 'oidc';
    this.issuerAudienceOnly = rules.issuerAudienceOnly ?? false;
    this.futureSkew = rules.futureSkew && Object.freeze({ ...rules.futureSkew });
    this.maxCodeLifetime = rules.maxCodeLifetime;
    this.refreshTokenRotation = rules.refreshTokenRotation ?? 'all';
    this.signedRequestObjectRequired = rules.signedRequestObjectRequired ?? false;
    this.jwtAuthorizationResponses = rules.jwtAuthorizationResponses ?? false;
    this.requestObjectExpRequired = rules.requestObjectExpRequired ?? false;
    this.responseTypes = rules.responseTypes && new Set(rules.responseTypes);
    this.clientAuthMethods = rules.clientAuthMethods && new Set(rules.clientAuthMethods);
    this.signingAlgs = rules.signingAlgs && new Set(rules.signingAlgs);
  }

  allowsResponseType(responseType: string): boolean {
    return this.responseTypes?.has(responseType) ?? true;
  }

  allowsClientAuthMethod(method: string): boolean {
    return this.clientAuthMethods?.has(method) ?? true;
  }

  allowsSigningAlg(alg: string): boolean {
    return this.signingAlgs?.has(alg) ?? true;
  }

  /** Whether a refresh token of a client that authenticates so (`none`: a public client) is rotated at each use. */
  rotatesRefreshTokens(authMethod: string): boolean {
    return this.refreshTokenRotation === 'all' || authMethod === 'none';
  }

  /** The seconds a code lives, for a configured `code_ttl`. */
  codeLifetime(codeTtl: number): number {
    return this.maxCodeLifetime === undefined ? codeTtl : Math.min(codeTtl, this.maxCodeLifetime);
  }

  /** The future `iat`/`nbf` allowance for a configured clock skew of `skewSeconds`. */
  futureSkewSeconds(skewSeconds: number): number {
    const bounds = this.futureSkew;
    return bounds ? Math.min(Math.max(skewSeconds, bounds.min), bounds.max) : skewSeconds;
  }

  /** Those of `algs` (what a verifier supports, or a client registered) the profile allows; `algs` itself when it narrows nothing. */
  allowedSigningAlgs(algs: readonly string[]): readonly string[] {
    const allowed = this.signingAlgs;
    return allowed ? algs.filter((alg) => allowed.has(alg)) : algs;
  }
}

/** Today's behaviour: `[oauth.pkce]` as configured, everything enabled allowed, nothing more demanded. */
export function baselineProfile(pkce: PkceSettings): SecurityProfile {
  return new SecurityProfile({ name: 'baseline', pkce: { required: pkce.required, allowPlain: pkce.allow_plain } });
}
