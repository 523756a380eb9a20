import type { X509Certificate } from 'node:crypto';

/**
 * JWS header parameters that carry a key or point to one (RFC 7515 §4.1.3-4.1.6). A key a token
 * brings along proves nothing about who signed it (RFC 8725 §3.1: keys come from the verifier's
 * configuration): every JWT grantry verifies refuses them.
 */
export const HEADER_KEY_PARAMETERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;

/**
 * The key-bearing parameters `header` has. With `x5cPinned`, an `x5c` is not among them: the
 * caller then only uses it to name a certificate registered beforehand (`x5cNamesCertificate`),
 * never as a key by itself — what DESIGN calls pinned.
 */
export function headerKeyParameters(header: object, { x5cPinned = false }: { x5cPinned?: boolean } = {}): string[] {
  return HEADER_KEY_PARAMETERS.filter((name) => name in header && (name !== 'x5c' || !x5cPinned));
}

/** RFC 7515 §4.1.6: the first certificate of `x5c` (base64 DER) is the pinned one, byte for byte. */
export function x5cNamesCertificate(x5c: unknown, certificate: X509Certificate): boolean {
  return Array.isArray(x5c) && typeof x5c[0] === 'string' && x5c[0] === certificate.raw.toString('base64');
}
