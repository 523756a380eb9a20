import { bearerRefusal, type SenderConstraint } from '../core/sender-constraint';

/**
 * Why an access token of this binding cannot be accepted as presented — in the `Authorization`
 * scheme it came in, with the key a DPoP proof of the request proved — or undefined when it can.
 * Pure: userinfo and `grantry/resource-server` ask it alike.
 *
 * - RFC 9449 §7.1: the `DPoP` scheme carries a DPoP-bound token, with a proof of the key of its
 *   `cnf.jkt`; a bearer token sent with it is refused (its binding would be nothing the proof proves).
 * - RFC 9449 §7.2 / RFC 6750: the `Bearer` scheme carries an unbound token only (`bearerRefusal`).
 */
export function presentationRefusal(constraint: SenderConstraint, scheme: 'Bearer' | 'DPoP', provenJkt: string | undefined): string | undefined {
  if (scheme === 'Bearer') return bearerRefusal(constraint);
  if (constraint.kind !== 'dpop') return 'a token not bound to a DPoP key presented with the DPoP scheme (RFC 9449 §7.1)';
  if (provenJkt !== constraint.jkt) return 'the DPoP proof is signed by another key than the token is bound to (cnf.jkt)';
  return undefined;
}
