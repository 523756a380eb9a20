import { createHash } from 'node:crypto';

/**
 * Opaque tokens carry 256 random bits, so a plain SHA-256 is enough to keep them unusable
 * if the table leaks (no salt or slow hash needed for high-entropy values).
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
