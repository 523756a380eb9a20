import type { X509Certificate } from 'node:crypto';

/**
 * Why a certificate cannot vouch for a key now — expired, or not valid yet — or undefined when
 * it can. Checked when it is stored and again whenever it verifies a signature, since a
 * certificate valid at import expires later.
 */
export function certificateValidityProblem(certificate: X509Certificate, now = Date.now()): string | undefined {
  const notBefore = Date.parse(certificate.validFrom);
  const notAfter = Date.parse(certificate.validTo);
  if (now > notAfter) return `the certificate expired on ${new Date(notAfter).toISOString()}`;
  if (now < notBefore) return `the certificate is not valid before ${new Date(notBefore).toISOString()}`;
  return undefined;
}
