import type { RegisteredClient } from '../../clients/registered-client';
import { Injectable } from '@nestjs/common';
import { DpopSettings } from '../../config/config.schema';
import { IssuerContext } from '../../common/issuer-context';
import { OAuthError, type ReasonCode } from '../../common/oauth-error';
import type { WriteStep } from '../../database/atomic-writer';
import { nowSeconds } from '../../database/columns';
import { SecurityProfiles } from '../core/security-profiles';
import { DpopNonces } from './dpop-nonces';
import { DPOP_SIGNING_ALGS, DpopProofError, verifyDpopProof, type DpopProblem } from './dpop-proof';
import { DpopReplay } from './dpop-replay';

/** Seconds a proof's `iat` may lie in the future (clocks differ). */
const FUTURE_SKEW = 5;

/** A proof that passed every check but the single-use one, which commits with the request. */
export interface ProvenKey {
  /** RFC 7638 thumbprint of the proof's key: what a token issued now is bound to (`cnf.jkt`). */
  readonly jkt: string;
  /** The statements that use the proof up; committed last, after every other check of the request. */
  readonly consumption: readonly WriteStep[];
}

/** Where a proof is checked: the answer of a failure differs (RFC 9449 §5 and §7.1). */
export type DpopPlace = 'token-endpoint' | 'protected-resource';

/**
 * The server's DPoP proofs (RFC 9449): the `DPoP` header of a request read once, checked by
 * `verifyDpopProof` against the endpoint's URL as the server builds it (`htu`), the server's
 * nonce when nonces are required, and put on the request's atomic write for single use.
 * A request without the header costs one property lookup: nothing is read from the database.
 */
@Injectable()
export class DpopProofs {
  constructor(
    private readonly settings: DpopSettings,
    private readonly nonces: DpopNonces,
    private readonly replay: DpopReplay,
    private readonly issuers: IssuerContext,
    private readonly profiles: SecurityProfiles,
  ) {}

  /** The algorithms a proof may be signed with (discovery `dpop_signing_alg_values_supported`, the `algs` of a DPoP challenge). */
  get algs(): readonly string[] {
    return DPOP_SIGNING_ALGS;
  }

  /**
   * §4.3 (9): the URL a proof must name — `[server] base_url` (the default issuer) and the path the
   * request was sent to, tenant path included, query dropped; never the Host header. A tenant named
   * by `?tenantDomain=` shares the default path's URL, hence the server-wide jti namespace.
   */
  htu(url: string): string {
    const query = url.indexOf('?');
    return `${this.issuers.default.issuer}${query < 0 ? url : url.slice(0, query)}`;
  }

  /** Whether proofs need a server nonce: `[oauth.dpop] require_nonce`, or the issuer's security profile (FAPI 2). */
  get nonceRequired(): boolean {
    return this.nonces.required || this.profiles.current.dpopNonceRequired;
  }

  /** The same for a request of `client` (its own profile may be stricter than its issuer's); the issuer's while no client is known. */
  nonceRequiredFor(client: RegisteredClient | undefined): boolean {
    return this.nonces.required || this.profiles.forClient(client).dpopNonceRequired;
  }

  /** The nonce to send in `DPoP-Nonce` now. */
  currentNonce(): string {
    return this.nonces.current();
  }

  /**
   * The proof the request carries in its `DPoP` header, checked; undefined without one. `header`
   * is the header as Node parsed it: a repeated field arrives joined with ", " (a JWS has no comma)
   * or as an array, and either is refused (§4.3 (1): exactly one DPoP header).
   */
  async prove(header: string | readonly string[] | undefined, expected: { htm: string; htu: string; accessToken?: string; client?: RegisteredClient }, place: DpopPlace): Promise<ProvenKey | undefined> {
    if (header === undefined) return undefined;
    const fail = (problem: DpopProblem, why: string, reason: ReasonCode) => this.error(place, problem, why, reason);
    if (typeof header !== 'string' || header.includes(',')) throw fail('invalid_dpop_proof', 'more than one DPoP header', 'dpop_proof_invalid');
    const now = nowSeconds();
    let proof;
    try {
      proof = await verifyDpopProof(header, { ...expected, now, maxAge: this.settings.proof_max_age, skew: FUTURE_SKEW });
    } catch (error) {
      if (error instanceof DpopProofError) throw fail(error.problem, error.message, 'dpop_proof_invalid');
      throw error;
    }
    // §8: a proof without the server's current nonce is answered use_dpop_nonce with a fresh one.
    if (this.nonceRequiredFor(expected.client) && (proof.nonce === undefined || !this.nonces.accepts(proof.nonce, now))) {
      throw fail('use_dpop_nonce', proof.nonce === undefined ? 'the DPoP proof has no nonce' : 'the DPoP nonce is stale', 'dpop_nonce_required');
    }
    // Kept until no proof with this iat passes the iat check any more.
    const expiresAt = Math.max(proof.iat, now) + this.settings.proof_max_age + FUTURE_SKEW;
    const consumption = this.replay.consumption(proof.jkt, proof.jti, expiresAt, () => this.error(place, 'invalid_dpop_proof', 'the DPoP proof has been used already', 'dpop_proof_replayed'));
    return { jkt: proof.jkt, consumption };
  }

  /**
   * RFC 9449 §7.1: the proof of a request to a protected resource of this server that presented
   * `accessToken` in the DPoP scheme — required (a 401 `invalid_dpop_proof` without one), naming the
   * request's method and URL (`originalUrl`: as sent, query dropped) and hashing the token (`ath`).
   */
  async proveAtResource(header: string | readonly string[] | undefined, method: string, originalUrl: string, accessToken: string): Promise<ProvenKey> {
    const proven = await this.prove(header, { htm: method, htu: this.htu(originalUrl), accessToken }, 'protected-resource');
    if (!proven) throw this.error('protected-resource', 'invalid_dpop_proof', 'a DPoP token without a DPoP proof', 'dpop_proof_required');
    return proven;
  }

  /**
   * RFC 9449 §5: at the token endpoint a 400 with `invalid_dpop_proof` or `use_dpop_nonce`; §7.1:
   * at a protected resource a 401 with a DPoP challenge naming the error and the algs. Either way a
   * nonce error carries a fresh `DPoP-Nonce` (§8, §9).
   */
  error(place: DpopPlace, problem: DpopProblem, detail: string, reason: ReasonCode): OAuthError {
    const description = problem === 'use_dpop_nonce' ? 'a DPoP nonce is required' : 'the DPoP proof is invalid';
    const headers = problem === 'use_dpop_nonce' || this.nonceRequired ? { 'DPoP-Nonce': this.nonces.current() } : undefined;
    if (place === 'token-endpoint') return new OAuthError(problem, description, 400, { detail, reason, headers });
    return new OAuthError(problem, description, 401, { detail, reason, headers, schemes: ['DPoP'], dpopAlgs: this.algs });
  }
}
