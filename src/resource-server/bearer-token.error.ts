import { HttpException, HttpStatus } from '@nestjs/common';
import { SENT_MORE_THAN_ONCE, type ExtractionFailure } from '../common/access-token-extractor';
import { wwwAuthenticate, type Challenge } from '../common/www-authenticate';

const INVALID_TOKEN = 'the access token is invalid, expired or revoked';

/**
 * An RFC 6750 §3 refusal: the JSON body `{error, error_description}`, the status, and the
 * `WWW-Authenticate` challenge the guard puts on the response. It is an HttpException, so
 * Nest's own exception handling renders it on any adapter; `detail` (why) is for the log only.
 */
export class BearerTokenError extends HttpException {
  constructor(
    readonly code: string,
    readonly description: string,
    status: number,
    /** The WWW-Authenticate value, when the answer carries one. */
    readonly challenge: string | undefined,
    readonly detail?: string,
    /** The challenge's attributes, to offer it in the DPoP scheme too (RFC 9449 §7.1) when the guard takes DPoP tokens. */
    readonly attributes?: Omit<Challenge, 'scheme'>,
  ) {
    super({ error: code, error_description: description }, status);
  }

  /**
   * This refusal as a guard that also takes DPoP-bound tokens answers it: the challenge in both
   * schemes, the DPoP one with the proof algorithms (RFC 9449 §7.1). An error of the DPoP proof
   * itself keeps its DPoP-only challenge.
   */
  alsoDpop(algs: readonly string[]): BearerTokenError {
    if (!this.attributes || this.code === 'invalid_dpop_proof') return this;
    const challenge = wwwAuthenticate([{ scheme: 'Bearer', ...this.attributes }, { scheme: 'DPoP', ...this.attributes, algs }]);
    return new BearerTokenError(this.code, this.description, this.getStatus(), challenge, this.detail, this.attributes);
  }

  /** RFC 9449 §7.1: the DPoP proof of the request is missing or failed a check (why in `detail`). */
  static invalidDpopProof(realm: string, detail: string, algs: readonly string[]): BearerTokenError {
    const description = 'the DPoP proof is invalid';
    const challenge = wwwAuthenticate([{ scheme: 'DPoP', realm, error: 'invalid_dpop_proof', errorDescription: description, algs }]);
    return new BearerTokenError('invalid_dpop_proof', description, HttpStatus.UNAUTHORIZED, challenge, detail);
  }

  /** §3.1: no token at all (or another scheme): a bare challenge, no error code in it. */
  static missing(realm: string): BearerTokenError {
    return new BearerTokenError('unauthorized', 'a bearer access token is required', HttpStatus.UNAUTHORIZED, wwwAuthenticate([{ scheme: 'Bearer', realm }]), undefined, { realm });
  }

  /** §3.1 invalid_token: one description whatever the reason, which goes to the log. */
  static invalidToken(realm: string, detail: string): BearerTokenError {
    return refusal(realm, 'invalid_token', INVALID_TOKEN, HttpStatus.UNAUTHORIZED, detail);
  }

  /** §3.1 invalid_request: the token came by more than one method (§2), or `access_token` twice. */
  static invalidRequest(realm: string, detail: string): BearerTokenError {
    return refusal(realm, 'invalid_request', SENT_MORE_THAN_ONCE, HttpStatus.BAD_REQUEST, detail);
  }

  /** §3.1 insufficient_scope, with the `scope` attribute naming what the resource requires (§3). */
  static insufficientScope(realm: string, required: string[], missing: string[]): BearerTokenError {
    const description = `the access token lacks scope ${missing.join(' ')}`;
    const attributes = { realm, error: 'insufficient_scope', errorDescription: description, scope: required.join(' ') };
    return new BearerTokenError('insufficient_scope', description, HttpStatus.FORBIDDEN, wwwAuthenticate([{ scheme: 'Bearer', ...attributes }]), undefined, attributes);
  }

  /** The authorization server could not be asked (discovery, JWKS, introspection): not the token's fault. */
  static unavailable(detail: string): BearerTokenError {
    return new BearerTokenError('temporarily_unavailable', 'the access token cannot be checked now; try again later', HttpStatus.SERVICE_UNAVAILABLE, undefined, detail);
  }

  /** The RFC 6750 §3.1 answer to a request the token extractor found no token in. */
  static of(failure: ExtractionFailure, realm: string): BearerTokenError {
    switch (failure.problem) {
      case 'missing':
        return BearerTokenError.missing(realm);
      case 'malformed':
        return BearerTokenError.invalidToken(realm, failure.detail);
      case 'ambiguous':
        return BearerTokenError.invalidRequest(realm, failure.detail);
    }
  }
}

function refusal(realm: string, code: string, description: string, status: number, detail: string): BearerTokenError {
  const attributes = { realm, error: code, errorDescription: description };
  return new BearerTokenError(code, description, status, wwwAuthenticate([{ scheme: 'Bearer', ...attributes }]), detail, attributes);
}
