import type { KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, type CryptoKey, type ProtectedHeaderParameters } from 'jose';
import { logValue } from '../../common/log-text';
import { ASYMMETRIC_ALGS } from '../../keys/jwk-selection';
import { headerKeyParameters } from '../assertions/header-keys';
import { senderConstraintOf, UnknownConfirmation, type SenderConstraint } from '../core/sender-constraint';

/**
 * The checks every consumer of grantry's JWT access tokens makes — grantry's own token lookup
 * (admin API, plugins) and the `grantry/resource-server` guard — in one place, so they cannot
 * drift apart. Only jose and node:crypto: no Nest, no database, nothing of the server.
 */

/** RFC 9068 §2.1: the `typ` that tells an access token from an ID token or any other JWT. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** What grantry signs with; the default allow-list. `none` and HMAC can never be allowed. */
export const ACCESS_TOKEN_ALGS: readonly string[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** RFC 9068 §2.2 and grantry's own: what every access token JWT carries. */
const REQUIRED_CLAIMS = ['iss', 'sub', 'exp', 'iat', 'client_id'];


/** Who and what an access token speaks for, once verified (from a JWT, or an RFC 7662 introspection answer). */
export interface AccessTokenPrincipal {
  /** `sub`: the resource owner, or the client itself for `client_credentials`. */
  subject: string;
  clientId: string;
  scopes: string[];
  audience: string[];
  issuer: string;
  /** `exp`, epoch seconds. */
  expiresAt: number;
  /** `iat`, epoch seconds (always present on a JWT; an introspection answer may omit it). */
  issuedAt?: number;
  /** Every claim as received. */
  claims: Record<string, unknown>;
  /** `gid`: the grant record the token was issued under. */
  grantId?: string;
  /** `idp`: the identity provider that vouched for the subject (JWT bearer grant). */
  identityProvider?: string;
  /** `jti`: the token's identifier (what revokes a JWT issued under no grant). */
  jti?: string;
  /**
   * `cnf`: what the token is bound to (RFC 9449 `jkt`, RFC 8705 `x5t#S256`); `none` for a bearer
   * token. A token with a `cnf` that names anything else is rejected: its binding could not be checked.
   */
  senderConstraint: SenderConstraint;
}

/** A verified JWT: `iat` is required there. */
export type JwtAccessTokenPrincipal = AccessTokenPrincipal & { issuedAt: number };

/** A key that may verify access tokens, and the algorithms it may verify (RFC 8725 §3.1: the allow-list is tied to the key). */
export interface AccessTokenKey {
  key: KeyObject | CryptoKey;
  algs: readonly string[];
}

export interface AccessTokenChecks {
  /** The expected `iss`, exactly. */
  issuer: string;
  /** When given, the token's `aud` must name one of these. */
  audience?: string | readonly string[];
  /** Allowed `alg`s (default ACCESS_TOKEN_ALGS); anything that is not an asymmetric JWS alg is dropped. */
  algorithms?: readonly string[];
  /** Seconds of leeway for `exp`, `nbf` and an `iat` in the future (default 0; for `iat` at least 1, as both are whole seconds). */
  clockTolerance?: number;
}

/** The protected header fields a key lookup needs. */
export interface AccessTokenHeader {
  alg: string;
  kid?: string;
}

/** A token that is not a valid access token. The message says why and is safe to log: it never contains the token. */
export class AccessTokenRejected extends Error {
  override name = 'AccessTokenRejected';
}

/** A compact JWS has three dot-separated parts; anything else is an opaque token (RFC 7662 territory). */
export function isJwt(token: string): boolean {
  return token.split('.').length === 3;
}

/**
 * Verifies a JWT access token (RFC 9068 §4): header `typ` at+jwt, an `alg` in the allow-list
 * and among those of the verifying key, no key material in the header, the signature, `iss`,
 * `aud` (when `checks.audience` is given), `exp`, `nbf` when present, and the claims every
 * grantry access token carries (`sub`, `exp`, `iat`, `client_id`). `resolveKeys` gets the
 * header and returns the keys that may verify it (the one with its `kid`, or every key of a
 * fitting type); whatever it throws (a key source that is unreachable) propagates unchanged.
 * Everything else that fails throws AccessTokenRejected.
 */
export async function verifyJwtAccessToken(
  token: string,
  resolveKeys: (header: AccessTokenHeader) => readonly AccessTokenKey[] | Promise<readonly AccessTokenKey[]>,
  checks: AccessTokenChecks,
): Promise<JwtAccessTokenPrincipal> {
  const header = readHeader(token);
  const allowed = (checks.algorithms ?? ACCESS_TOKEN_ALGS).filter((alg) => ASYMMETRIC_ALGS.includes(alg));
  if (!allowed.includes(header.alg)) throw new AccessTokenRejected(`alg ${logValue(header.alg)} is not allowed`);
  const keys = (await resolveKeys(header)).filter((candidate) => candidate.algs.includes(header.alg));
  if (!keys.length) throw new AccessTokenRejected(`no ${header.alg} key${header.kid === undefined ? '' : ` with kid ${logValue(header.kid)}`} to verify the token`);
  for (let i = 0; ; i++) {
    try {
      const { payload } = await jwtVerify(token, keys[i].key, {
        algorithms: [header.alg],
        typ: ACCESS_TOKEN_TYP,
        issuer: checks.issuer,
        audience: checks.audience === undefined ? undefined : ([] as string[]).concat(checks.audience),
        clockTolerance: checks.clockTolerance ?? 0,
        requiredClaims: REQUIRED_CLAIMS,
      });
      // jose checks iat only against a maximum age. RFC 7519 §4.1.6: it is when the token was
      // issued — one from the future was minted by a clock that is off, or forged to outlive its
      // keys. Whole seconds on both sides: a token from a clock a few milliseconds ahead passes.
      if (payload.iat! > Math.floor(Date.now() / 1000) + Math.max(1, checks.clockTolerance ?? 0)) throw new AccessTokenRejected('iat is in the future');
      return { ...principalFromClaims(payload, checks.issuer), issuedAt: payload.iat! };
    } catch (error) {
      // Without a kid every key of the right type is a candidate: only a bad signature moves on.
      if (error instanceof errors.JWSSignatureVerificationFailed && i + 1 < keys.length) continue;
      if (error instanceof AccessTokenRejected) throw error;
      throw new AccessTokenRejected(error instanceof errors.JOSEError ? error.message : 'the token does not verify', { cause: error });
    }
  }
}

/**
 * Maps claims — a verified JWT payload, or an active RFC 7662 introspection answer, which uses
 * the same names — to the principal. `sub`, `client_id` and `exp` are required; `iss` defaults
 * to `issuer` (an introspection answer may omit it). Checks nothing else: that is the caller's.
 */
export function principalFromClaims(claims: Record<string, unknown>, issuer: string): AccessTokenPrincipal {
  const { sub, client_id: clientId, exp, iat, aud, scope, iss, gid, idp, jti, cnf } = claims;
  if (typeof sub !== 'string' || !sub) throw new AccessTokenRejected('sub is missing or not a string');
  if (typeof clientId !== 'string' || !clientId) throw new AccessTokenRejected('client_id is missing or not a string');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new AccessTokenRejected('exp is missing or not a number');
  if (scope !== undefined && typeof scope !== 'string') throw new AccessTokenRejected('scope is not a string');
  const audience = aud === undefined ? [] : ([] as unknown[]).concat(aud);
  if (!audience.every((value): value is string => typeof value === 'string')) throw new AccessTokenRejected('aud is not a string or an array of strings');
  return {
    subject: sub,
    clientId,
    // RFC 6749 §3.3: space-delimited.
    scopes: scope === undefined ? [] : scope.split(' ').filter(Boolean),
    audience,
    issuer: typeof iss === 'string' ? iss : issuer,
    expiresAt: exp,
    issuedAt: typeof iat === 'number' ? iat : undefined,
    claims,
    grantId: typeof gid === 'string' ? gid : undefined,
    identityProvider: typeof idp === 'string' ? idp : undefined,
    jti: typeof jti === 'string' ? jti : undefined,
    senderConstraint: bindingOf(cnf),
  };
}

/** RFC 7800 §3: the binding the `cnf` claim (or introspection member) states. */
function bindingOf(cnf: unknown): SenderConstraint {
  try {
    return senderConstraintOf(cnf);
  } catch (error) {
    if (error instanceof UnknownConfirmation) throw new AccessTokenRejected(error.message);
    throw error;
  }
}

/** The header checks that need no key: cheap, and before any key lookup (which may fetch). */
function readHeader(token: string): AccessTokenHeader {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new AccessTokenRejected('not a JWS');
  }
  if (typeof header.alg !== 'string') throw new AccessTokenRejected('alg is missing');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new AccessTokenRejected('kid is not a string');
  // RFC 9068 §4: checked again by jwtVerify; here so that an ID token never prompts a key fetch.
  if (typeof header.typ !== 'string' || header.typ.toLowerCase().replace(/^application\//, '') !== ACCESS_TOKEN_TYP) {
    throw new AccessTokenRejected(`typ ${logValue(header.typ)} is not ${ACCESS_TOKEN_TYP}`);
  }
  // RFC 8725 §3.1 / DESIGN.md: keys come from the verifier's configuration, never from the token.
  const carried = headerKeyParameters(header);
  if (carried.length) throw new AccessTokenRejected(`header parameter ${carried.join(', ')} is not accepted`);
  return { alg: header.alg, kid: header.kid };
}
