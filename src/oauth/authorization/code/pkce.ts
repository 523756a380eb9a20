import { createHash } from 'node:crypto';

/** RFC 7636 §4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
export const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

/** RFC 7636 §4.6: does `verifier` answer `challenge`? */
export function pkceMatches(verifier: string, challenge: string, method: string): boolean {
  const derived = method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
  return derived.length === challenge.length && Buffer.from(derived).equals(Buffer.from(challenge));
}
