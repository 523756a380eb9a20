/** Longer than any real `scheme://host:port`. */
const MAX_ORIGIN_LENGTH = 512;

/**
 * Why `value` is not an RFC 6454 §6.2 serialised origin of the web, exactly as a browser sends it
 * in `Origin` (compared as strings): `http(s)://host[:port]`, lower case, no default port, no path,
 * query, fragment, user information or wildcard — or undefined when it is one. `null` (an opaque
 * origin: a sandboxed frame, a `file:` page, a redirect across origins) is none: nothing can tell
 * one such page from another. The one rule for registered `allowed_cors_origins` (which add that
 * http is for loopback hosts only) and for the origins a preflight is answered for.
 */
export function originProblem(value: string): string | undefined {
  if (value.length > MAX_ORIGIN_LENGTH || !/^[\x21-\x7E]+$/.test(value)) return 'must be printable ASCII without spaces';
  // A browser never sends a pattern; a wildcard here would read as trust in every subdomain.
  if (value.includes('*')) return 'wildcards are not allowed; list each origin';
  if (!URL.canParse(value)) return 'not an origin (scheme://host[:port])';
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https origin';
  // url.origin drops path, query, fragment, user information and a default port, and lower-cases the host.
  if (url.origin !== value) return `must be the bare origin ${url.origin}, without path, query, fragment or default port`;
  return undefined;
}
