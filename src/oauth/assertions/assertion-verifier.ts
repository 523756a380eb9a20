import { Injectable } from '@nestjs/common';
import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import type { ReasonCode } from '../../common/oauth-error';
import type { AssertionJti } from '../core/extension-points';
import { checkClaims, checkHeader, ClaimRules, decodeAssertion } from './assertion-checks';
import { verifiesWithAny, VerifyKey } from './signature';

/** The party that signed an assertion, as far as verifying it goes. */
export interface AssertionSigner {
  /** Algorithms its keys may sign with (RFC 8725 §3.1: the allow-list is tied to the key). */
  algs: readonly string[];
  /** Candidate keys for this header, in order. Throwing here counts as "does not verify". */
  keys(alg: string, header: ProtectedHeaderParameters): AsyncIterable<VerifyKey>;
  /** Claim rules for its assertions. */
  rules: ClaimRules;
  /** Namespace of its `jti`s in the replay store; undefined: single use is not checked. */
  replayIssuer?: string;
  /**
   * Its `keys` accept a header `x5c` as a pointer to a certificate registered for it (and compare
   * the two). Otherwise an `x5c` is refused like every other key a header brings (DESIGN: header
   * keys are rejected unless pinned).
   */
  x5cPinned?: boolean;
}

/** The caller's two kinds of failure. */
export interface AssertionErrors {
  /** Before the signature verified: one answer for every reason (the reason is `detail`, logged only). */
  unverified(detail: string, reason: ReasonCode): Error;
  /** After: the signer is proven, so the description may say what is wrong. */
  verified(description: string, reason: ReasonCode): Error;
}

export interface VerifiedAssertion<S extends AssertionSigner> {
  payload: JWTPayload;
  signer: S;
  /** The jti to record as used, by the endpoint, last. */
  consume?: AssertionJti;
}

/**
 * The one pipeline for JWT assertions — client assertions (private_key_jwt, client_secret_jwt)
 * and JWT bearer grants (RFC 7523): decode → find the signer → its allowed algorithms → its
 * keys → signature → claims → the `jti` to consume. Nothing is described publicly before the
 * signature verified, and nothing is consumed here.
 */
@Injectable()
export class AssertionVerifier {
  async verify<S extends AssertionSigner>(
    jwt: string,
    findSigner: (payload: JWTPayload, header: ProtectedHeaderParameters) => Promise<S>,
    errors: AssertionErrors,
  ): Promise<VerifiedAssertion<S>> {
    const { header, payload } = decodeAssertion(jwt, errors.unverified);
    const signer = await findSigner(payload, header);
    const alg = checkHeader(header, signer.algs, errors.unverified, { x5cPinned: signer.x5cPinned });
    let verified: boolean;
    try {
      verified = await verifiesWithAny(jwt, alg, signer.keys(alg, header));
    } catch (error) {
      throw errors.unverified(`no usable key: ${(error as Error).message}`, 'assertion_signature_invalid');
    }
    if (!verified) throw errors.unverified('the signature does not verify with any key of the signer', 'assertion_signature_invalid');

    checkClaims(payload, signer.rules, errors.verified);
    if (signer.replayIssuer === undefined || payload.jti === undefined) return { payload, signer };
    const expiresAt = (payload.exp as number) + signer.rules.skewSeconds;
    return { payload, signer, consume: { issuer: signer.replayIssuer, jti: payload.jti, expiresAt } };
  }
}
