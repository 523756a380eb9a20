import { randomBytes } from 'node:crypto';

/**
 * A random URL-safe identifier of `bytes` random bytes (base64url) that starts with a letter
 * or digit: one starting with "-" would read as an option on a command line (`grantry clients
 * show -Xb…`). Drawing again keeps every accepted value equally likely.
 */
export function randomId(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}
