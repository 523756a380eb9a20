import type { RegisteredClient } from '../../../clients/registered-client';

/** RFC 8252 §7.3: loopback IP literals, whose port a native app picks at run time. */
const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]']);

/**
 * The registered redirect URI `requested` names, or undefined. Exact string comparison (RFC 9700
 * §4.1.3, OIDC Core §3.1.2.1): no prefix, wildcard, case-folding or normalisation. One
 * exception, RFC 8252 §7.3: a native client's http loopback URI may differ in the port alone.
 */
export function matchRedirectUri(client: RegisteredClient, requested: string): string | undefined {
  if (client.redirectUris.includes(requested)) return requested;
  if (client.applicationType !== 'native' || !requested.startsWith('http://')) return undefined;
  const asked = parse(requested);
  if (!asked || !LOOPBACK_IPS.has(asked.hostname)) return undefined;
  for (const registered of client.redirectUris) {
    const candidate = parse(registered);
    if (!candidate || candidate.protocol !== 'http:' || !LOOPBACK_IPS.has(candidate.hostname)) continue;
    // Everything but the port, compared as the strings they were given in.
    if (withoutPort(requested, asked) === withoutPort(registered, candidate)) return requested;
  }
  return undefined;
}

function parse(uri: string): URL | undefined {
  return URL.canParse(uri) ? new URL(uri) : undefined;
}

/** The URI string with `:port` after the host removed — the only part allowed to differ. */
function withoutPort(uri: string, url: URL): string {
  const authority = `http://${url.hostname}`;
  if (!uri.startsWith(authority)) return `\u0000${uri}`; // user info or odd spelling: never equal
  const rest = uri.slice(authority.length);
  return authority + rest.replace(/^:\d{1,5}(?=[/?]|$)/, '');
}
