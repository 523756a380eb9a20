/**
 * How a request names its tenant (WSO2's two forms): a path prefix `/t/{domain}` (and RFC 8414
 * §3.1's `/.well-known/oauth-authorization-server/t/{domain}`), or `?tenantDomain={domain}` on
 * an endpoint of the default path (seed 002). Pure string work: the router only ever sees the
 * path without the prefix, so every endpoint serves every tenant with no route of its own.
 */

/** Set on the raw request by `rewriteTenantPath`: the domain its path named, before the router stripped it. */
export const PATH_TENANT = Symbol('tenant named by the path');

const PREFIX = '/t/';
const METADATA = '/.well-known/oauth-authorization-server';

/** The URL the router sees and the domain the path named; the URL itself when it names none. */
export function rewriteTenantPath(url: string): { url: string; domain?: string } {
  if (url.startsWith(PREFIX)) {
    const end = endOfSegment(url, PREFIX.length);
    if (end === PREFIX.length) return { url };
    const rest = url.slice(end);
    return { url: rest.startsWith('/') ? rest : `/${rest}`, domain: decodeSegment(url.slice(PREFIX.length, end)) };
  }
  // RFC 8414 §3.1: the well-known path goes between the host and the issuer's path.
  if (url.startsWith(`${METADATA}${PREFIX}`)) {
    const start = METADATA.length + PREFIX.length;
    const end = endOfSegment(url, start);
    // Only the exact form: `/.well-known/oauth-authorization-server/t/{domain}`, with an optional query.
    if (end > start && (end === url.length || url[end] === '?')) {
      return { url: `${METADATA}${url.slice(end)}`, domain: decodeSegment(url.slice(start, end)) };
    }
  }
  return { url };
}

function endOfSegment(url: string, from: number): number {
  let end = from;
  while (end < url.length && url[end] !== '/' && url[end] !== '?' && url[end] !== '#') end++;
  return end;
}

/** A domain is plain ASCII; an escape in it is decoded once, and anything undecodable is kept as sent (it names no tenant). */
function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The `tenantDomain` query parameter: undefined when absent, `{ conflict }` when given twice
 * with different values. Cheap on the hot path: the query is parsed only when the name is in it.
 */
export function tenantDomainParameter(url: string): { domain?: string; repeated?: true } {
  const query = url.indexOf('?');
  if (query < 0 || !url.includes('tenantDomain', query)) return {};
  const values = new URLSearchParams(url.slice(query + 1)).getAll('tenantDomain');
  if (values.length === 0) return {};
  if (values.some((value) => value !== values[0])) return { repeated: true };
  return { domain: values[0] };
}

/** The same URL without its `tenantDomain` parameter (the browser endpoints' redirect to `/t/{domain}/...`). */
export function withoutTenantDomain(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const params = new URLSearchParams(url.slice(query + 1));
  params.delete('tenantDomain');
  const rest = params.toString();
  return rest ? `${url.slice(0, query)}?${rest}` : url.slice(0, query);
}
