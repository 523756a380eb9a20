import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { logText } from '../../common/log-text';
import type { ReasonCode } from '../../common/oauth-error';
import { headerKeyParameters } from './header-keys';
import { storable } from '../../common/storable';

/** RFC 7523 assertions are small; a cap keeps parsing and logging bounded. */
export const MAX_ASSERTION_BYTES = 8192;
const MAX_JTI_LENGTH = 255;

/** Builds the error of the caller's flow: invalid_client for client auth, invalid_grant for the grant; `reason` is the stable code. */
export type Fail = (description: string, reason: ReasonCode) => Error;

export interface DecodedAssertion {
  header: ProtectedHeaderParameters;
  payload: JWTPayload;
}

export interface ClaimRules {
  /** Accepted `aud` values: at least one must be present. */
  audiences: readonly string[];
  /**
   * `aud` must be one of `audiences` as a single string, not an array (FAPI 2.0 SP §5.3.2.1: the
   * answer to the audience injection of CVE-2025-27370/27371).
   */
  audienceAsString?: boolean;
  /** Allowed clock difference for exp, nbf and a future iat. */
  skewSeconds: number;
  /** Allowed clock difference for a future nbf and iat, when it differs from `skewSeconds` (FAPI 2: 10 to 60 s). */
  futureSkewSeconds?: number;
  /** Largest `exp - iat` (or `exp - now` without iat); negative: no cap. */
  maxLifetimeSeconds: number;
  /** How errors name the cap: the configuration key and its unit (`max_assertion_lifetime = 86400 s`). */
  maxLifetimeLabel?: string;
  /** Reject an `iat` older than this (WSO2 RejectBeforeInMinutes / IATValidityPeriod); undefined: no limit. */
  maxIatAgeSeconds?: number;
  /** How errors name that limit, in the unit it is configured in (`RejectBeforeInMinutes = 100 minutes`). */
  maxIatAgeLabel?: string;
  requireJti: boolean;
  /** Whether `exp` must be present (RFC 7523 §3: for assertions, always; default true). Without it, no expiry or lifetime is checked. */
  requireExp?: boolean;
  /** Claims that must be present (RFC 7523 §3 lists iss, sub, aud, exp for grants), each named when missing. */
  requiredClaims?: readonly string[];
}

/** The unverified header and claims of a compact JWS, or a clear failure. */
export function decodeAssertion(jwt: string, fail: Fail): DecodedAssertion {
  if (Buffer.byteLength(jwt) > MAX_ASSERTION_BYTES) throw fail(`assertion is larger than ${MAX_ASSERTION_BYTES} bytes`, 'assertion_malformed');
  if (jwt.split('.').length !== 3) throw fail('assertion is not a signed JWT (JWS compact serialization)', 'assertion_malformed');
  try {
    return { header: decodeProtectedHeader(jwt), payload: decodeJwt(jwt) };
  } catch {
    throw fail('assertion is not a well-formed JWT', 'assertion_malformed');
  }
}

/**
 * RFC 8725 §3.1-3.2: the algorithm must be on the allow-list of the verifying key (never
 * `none`), keys are never taken from the header (`jwk`, `jku`, `x5u`, `x5c`), and critical
 * extensions we do not understand are refused. An `x5c` passes only when the caller pins it
 * (`x5cPinned`: its key source compares it with a registered certificate).
 */
export function checkHeader(header: ProtectedHeaderParameters, allowedAlgs: readonly string[], fail: Fail, { x5cPinned = false } = {}): string {
  const alg: unknown = header.alg;
  if (typeof alg !== 'string') throw fail('assertion alg is not a string', 'assertion_alg_not_allowed');
  if (!alg || alg.toLowerCase() === 'none') throw fail('assertion is unsigned (alg none)', 'assertion_alg_not_allowed');
  if (!allowedAlgs.includes(alg)) throw fail(`assertion alg ${logText(alg, 32)} is not allowed (allowed: ${allowedAlgs.join(', ')})`, 'assertion_alg_not_allowed');
  const [carried] = headerKeyParameters(header, { x5cPinned });
  if (carried) throw fail(`assertion header carries a key (${carried}); keys come from registration only`, 'assertion_alg_not_allowed');
  if (header.crit !== undefined) throw fail('assertion has critical header parameters this server does not support', 'assertion_alg_not_allowed');
  return alg;
}

/** RFC 7523 §3 claim checks, each failure naming the claim. Call after the signature verified. */
export function checkClaims(payload: JWTPayload, rules: ClaimRules, fail: Fail, now = Math.floor(Date.now() / 1000)): void {
  const { exp, nbf, iat, jti } = payload;
  for (const claim of rules.requiredClaims ?? []) {
    if (payload[claim] === undefined) throw fail(`assertion has no ${claim} claim`, 'assertion_claims_invalid');
  }
  // §3 item 4: exp is mandatory (request objects: where the security profile says so).
  const expOptional = exp === undefined && rules.requireExp === false;
  if (!expOptional && typeof exp !== 'number') throw fail('assertion has no numeric exp claim', 'assertion_claims_invalid');
  if (typeof exp === 'number' && exp + rules.skewSeconds <= now) throw fail('assertion has expired', 'assertion_expired');
  // §3 item 5: not before.
  const futureSkew = rules.futureSkewSeconds ?? rules.skewSeconds;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf - futureSkew > now)) throw fail('assertion is not yet valid (nbf)', 'assertion_not_yet_valid');
  if (iat !== undefined) {
    if (typeof iat !== 'number') throw fail('assertion iat is not numeric', 'assertion_claims_invalid');
    if (iat - futureSkew > now) throw fail('assertion iat is in the future', 'assertion_not_yet_valid');
    if (rules.maxIatAgeSeconds !== undefined && now - iat > rules.maxIatAgeSeconds) {
      throw fail(`assertion was issued too long ago (iat older than ${rules.maxIatAgeLabel ?? `${rules.maxIatAgeSeconds} s`})`, 'assertion_iat_too_old');
    }
  }
  if (typeof exp === 'number' && rules.maxLifetimeSeconds >= 0 && exp - (iat ?? now) > rules.maxLifetimeSeconds) {
    throw fail(`assertion lifetime exceeds ${rules.maxLifetimeLabel ?? `${rules.maxLifetimeSeconds} s`}`, 'assertion_lifetime_too_long');
  }
  // §3 item 3: aud must identify this server.
  if (rules.audienceAsString && (typeof payload.aud !== 'string' || !rules.audiences.includes(payload.aud))) {
    throw fail(`assertion aud must be ${rules.audiences.map((aud) => JSON.stringify(aud)).join(' or ')} as a single string`, 'assertion_audience_invalid');
  }
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
  if (!audiences.some((aud) => rules.audiences.includes(aud))) {
    throw fail(`assertion aud does not name this server (expected ${rules.audiences.map((aud) => JSON.stringify(aud)).join(' or ')})`, 'assertion_audience_invalid');
  }
  // The jti is stored as sent (the replay store's key): it must fit the column, and PostgreSQL refuses a NUL in text.
  if (jti !== undefined && !storable(jti, MAX_JTI_LENGTH)) {
    throw fail(`assertion jti must be a non-empty string of at most ${MAX_JTI_LENGTH} characters without NUL`, 'assertion_claims_invalid');
  }
  if (rules.requireJti && jti === undefined) throw fail('assertion has no jti, which single-use checking requires', 'assertion_claims_invalid');
}
