/**
 * What binds a token to the one who may use it. A bearer token (RFC 6750) is used by whoever
 * holds it; a sender-constrained one only with a proof of the key it names: a DPoP proof signed
 * by the key whose RFC 7638 thumbprint is `jkt` (RFC 9449), or the TLS client certificate whose
 * SHA-256 thumbprint is `x5t#S256` (RFC 8705). Access tokens (JWT and opaque) and refresh tokens
 * carry it; the token response's `token_type`, introspection's `cnf` and the checks of protected
 * resources follow from it.
 *
 * Pure, with no imports: the JWT checks shared with `grantry/resource-server` use it too.
 */
export type SenderConstraint =
  | { readonly kind: 'none' }
  /** RFC 9449 §6: `cnf.jkt`, the base64url SHA-256 JWK thumbprint (RFC 7638) of the DPoP proof key. */
  | { readonly kind: 'dpop'; readonly jkt: string }
  /** RFC 8705 §3.1: `cnf.x5t#S256`, the base64url SHA-256 of the DER client certificate. */
  | { readonly kind: 'mtls'; readonly x5tS256: string };

/** A bearer token's: bound to nothing. */
export const UNCONSTRAINED: SenderConstraint = Object.freeze({ kind: 'none' });

/** The RFC 7800 §3.1 `cnf` claim of a bound token: exactly one confirmation method. */
export type Confirmation = { readonly jkt: string } | { readonly 'x5t#S256': string };

/** RFC 6749 §7.1 / RFC 9449 §5: the `token_type` of a token response and of an introspection answer. */
export type TokenType = 'Bearer' | 'DPoP';

/** A base64url SHA-256: 32 bytes, 43 characters without padding. */
const SHA256_B64URL = /^[A-Za-z0-9_-]{43}$/;

/**
 * The `token_type` a token of this binding is issued and introspected as: `DPoP` for a DPoP-bound
 * token (RFC 9449 §5); a certificate-bound token is still `Bearer` (RFC 8705 §3: the binding
 * travels in the TLS layer, the Authorization header is unchanged).
 */
export function tokenTypeOf(constraint: SenderConstraint): TokenType {
  return constraint.kind === 'dpop' ? 'DPoP' : 'Bearer';
}

/** The `cnf` claim (JWT), column (opaque access tokens, refresh tokens) and introspection member of a binding; none for a bearer token. */
export function confirmationOf(constraint: SenderConstraint): Confirmation | undefined {
  switch (constraint.kind) {
    case 'dpop':
      return { jkt: constraint.jkt };
    case 'mtls':
      return { 'x5t#S256': constraint.x5tS256 };
    case 'none':
      return undefined;
  }
}

/** A `cnf` this server cannot enforce. The message is safe to log: thumbprints are public. */
export class UnknownConfirmation extends Error {
  override name = 'UnknownConfirmation';
}

/**
 * The binding a `cnf` claim, column or introspection member states: absent (undefined or null) is
 * a bearer token. Anything else must be exactly one confirmation method this server enforces,
 * well formed — a `cnf` that is not understood (RFC 7800 `jwk`, `kid`, both methods, junk) throws
 * UnknownConfirmation: a token whose binding cannot be checked is never taken for a bearer token.
 */
export function senderConstraintOf(cnf: unknown): SenderConstraint {
  if (cnf === undefined || cnf === null) return UNCONSTRAINED;
  if (typeof cnf !== 'object' || Array.isArray(cnf)) throw new UnknownConfirmation('cnf is not an object');
  const members = Object.keys(cnf);
  if (members.length !== 1) throw new UnknownConfirmation(`cnf has ${members.length} members (${members.join(', ')}), not one confirmation method`);
  const value = (cnf as Record<string, unknown>)[members[0]];
  if (typeof value !== 'string' || !SHA256_B64URL.test(value)) throw new UnknownConfirmation(`cnf.${members[0]} is not a base64url SHA-256 thumbprint`);
  if (members[0] === 'jkt') return { kind: 'dpop', jkt: value };
  if (members[0] === 'x5t#S256') return { kind: 'mtls', x5tS256: value };
  throw new UnknownConfirmation(`cnf.${members[0]} is not a confirmation method this server checks`);
}

/**
 * The binding of a refresh token issued beside an access token of `accessToken`'s binding
 * (RFC 9449 §5, RFC 8705 §4): a public client's is bound to the same key, since nothing else
 * stops a thief from using it; a confidential client's is not — its client authentication
 * already constrains it — so that client may use another key for its next access tokens.
 */
export function refreshTokenConstraint(accessToken: SenderConstraint, publicClient: boolean): SenderConstraint {
  return publicClient ? accessToken : UNCONSTRAINED;
}

/**
 * Why a token of this binding cannot be accepted as a bearer token, or undefined when it can.
 * RFC 9449 §7.2: a DPoP-bound token is never accepted as a bearer token; RFC 8705 §3: a
 * certificate-bound one only over a TLS connection with that certificate. No protected resource
 * checks a proof of possession yet, so only an unconstrained token is accepted anywhere.
 */
export function bearerRefusal(constraint: SenderConstraint): string | undefined {
  switch (constraint.kind) {
    case 'none':
      return undefined;
    case 'dpop':
      return 'a DPoP-bound token presented without a DPoP proof (RFC 9449 §7.2)';
    case 'mtls':
      return 'a certificate-bound token presented without its client certificate (RFC 8705 §3)';
  }
}
