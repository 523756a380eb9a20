import { HttpException, HttpStatus } from '@nestjs/common';

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
  ) {
    super({ error: code, error_description: description }, status);
  }

  /** §3.1: no token at all (or another scheme): a bare challenge, no error code in it. */
  static missing(realm: string): BearerTokenError {
    return new BearerTokenError('unauthorized', 'a bearer access token is required', HttpStatus.UNAUTHORIZED, `Bearer realm="${realm}"`);
  }

  /** §3.1 invalid_token: one description whatever the reason, which goes to the log. */
  static invalidToken(realm: string, detail: string): BearerTokenError {
    return new BearerTokenError('invalid_token', INVALID_TOKEN, HttpStatus.UNAUTHORIZED, challenge(realm, 'invalid_token', INVALID_TOKEN), detail);
  }

  /** §3.1 insufficient_scope, with the `scope` attribute naming what the resource requires (§3). */
  static insufficientScope(realm: string, required: string[], missing: string[]): BearerTokenError {
    const description = `the access token lacks scope ${missing.join(' ')}`;
    return new BearerTokenError('insufficient_scope', description, HttpStatus.FORBIDDEN, `${challenge(realm, 'insufficient_scope', description)}, scope="${required.join(' ')}"`);
  }

  /** The authorization server could not be asked (discovery, JWKS, introspection): not the token's fault. */
  static unavailable(detail: string): BearerTokenError {
    return new BearerTokenError('temporarily_unavailable', 'the access token cannot be checked now; try again later', HttpStatus.SERVICE_UNAVAILABLE, undefined, detail);
  }
}

function challenge(realm: string, code: string, description: string): string {
  return `Bearer realm="${realm}", error="${code}", error_description="${description}"`;
}
