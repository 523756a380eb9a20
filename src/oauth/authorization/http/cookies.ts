import type { FastifyReply, FastifyRequest } from 'fastify';

/** The value of cookie `name` in the request, if any (RFC 6265 §5.4; the first one wins). */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    if (part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  /** Over https: `Secure` and the `__Host-` prefix (no Domain, Path=/). */
  secure: boolean;
  sameSite: 'Lax' | 'None';
  /** Seconds; 0 deletes the cookie. Without it, a session cookie (ends with the browser). */
  maxAge?: number;
}

/**
 * `__Host-<name>` over https (bound to this exact origin), `<name>` over plain http (development);
 * for a tenant other than the default one, `<name>.<domain>`. Every tenant shares the origin and
 * `Path=/` (`__Host-` allows no other path), so the name is what keeps one tenant's cookie from
 * being sent as another's: each tenant reads only its own. The default tenant's names are
 * today's, unchanged.
 */
export function cookieName(name: string, secure: boolean, tenant?: string): string {
  const named = tenant === undefined ? name : `${name}.${cookieNameSafe(tenant)}`;
  return secure ? `__Host-${named}` : named;
}

/**
 * A tenant domain as part of a cookie name: RFC 6265 §4.1.1 makes the name an RFC 2616 token,
 * which allows letters, digits, `.`, `-`, `_` and `%` but no separators. A domain (lower-case DNS
 * labels) is already one and stays as it is; anything else is percent-encoded, so two domains
 * never share a name.
 */
export function cookieNameSafe(domain: string): string {
  return encodeURIComponent(domain).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function setCookie(reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  const attributes = [`${name}=${value}`, 'Path=/', 'HttpOnly', `SameSite=${options.sameSite}`];
  if (options.secure) attributes.push('Secure');
  if (options.maxAge !== undefined) attributes.push(`Max-Age=${options.maxAge}`);
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  void reply.header('set-cookie', [...list, attributes.join('; ')]);
}
