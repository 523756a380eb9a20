/**
 * The one builder of `WWW-Authenticate` challenges (RFC 9110 §11.6.1), for the server's error
 * rendering and the `grantry/resource-server` guard alike. Pure: no imports, so the resource
 * server can take it along when it is published on its own.
 */

/**
 * The schemes grantry challenges with: `Basic` for client authentication (RFC 6749 §2.3.1,
 * RFC 7617 §2), `Bearer` for protected resources (RFC 6750 §3) and — once sender-constrained
 * tokens are accepted — `DPoP` (RFC 9449 §7.1).
 */
export type ChallengeScheme = 'Basic' | 'Bearer' | 'DPoP';

export interface Challenge {
  scheme: ChallengeScheme;
  realm?: string;
  /** RFC 6750 §3 / RFC 9449 §7.1: an error code only when the request carried credentials (§3.1). */
  error?: string;
  errorDescription?: string;
  /** RFC 6750 §3: the scope the resource requires (space-delimited). */
  scope?: string;
  /** RFC 9449 §7.1: the JWS algorithms accepted for DPoP proofs. */
  algs?: readonly string[];
}

/**
 * One field value holding every challenge, in order (RFC 9110 §11.6.1: a resource that accepts
 * several schemes — DPoP and Bearer — offers each; a client picks the first it supports).
 * Attributes appear in one order: realm, error, error_description, scope, algs.
 */
export function wwwAuthenticate(challenges: readonly Challenge[]): string {
  return challenges.map(render).join(', ');
}

function render(challenge: Challenge): string {
  const attributes: string[] = [];
  if (challenge.realm !== undefined) attributes.push(`realm=${quoted(challenge.realm)}`);
  if (challenge.error !== undefined) attributes.push(`error=${quoted(restricted(challenge.error))}`);
  if (challenge.errorDescription !== undefined) attributes.push(`error_description=${quoted(restricted(challenge.errorDescription))}`);
  if (challenge.scope !== undefined) attributes.push(`scope=${quoted(restricted(challenge.scope))}`);
  if (challenge.algs !== undefined) attributes.push(`algs=${quoted(challenge.algs.join(' '))}`);
  return attributes.length ? `${challenge.scheme} ${attributes.join(', ')}` : challenge.scheme;
}

/**
 * RFC 6750 §3: `error`, `error_description` and `scope` values MUST NOT include characters outside
 * %x20-21 / %x23-5B / %x5D-7E — no quote, no backslash, nothing beyond ASCII. What a value holds
 * beyond that (a scope name from configuration, a description quoting input) is dropped, never escaped.
 */
function restricted(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
}

/**
 * RFC 9110 §5.6.4 quoted-string: `"` and `\` escaped; what no field value may carry (control
 * characters, anything beyond one byte, RFC 9110 §5.5) dropped, so a realm from configuration can
 * never make the answer fail.
 */
function quoted(value: string): string {
  return `"${value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '').replace(/["\\]/g, '\\$&')}"`;
}
