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

/** `__Host-<name>` over https (bound to this exact origin), `<name>` over plain http (development). */
export function cookieName(name: string, secure: boolean): string {
  return secure ? `__Host-${name}` : name;
}

export function setCookie(reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  const attributes = [`${name}=${value}`, 'Path=/', 'HttpOnly', `SameSite=${options.sameSite}`];
  if (options.secure) attributes.push('Secure');
  if (options.maxAge !== undefined) attributes.push(`Max-Age=${options.maxAge}`);
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  void reply.header('set-cookie', [...list, attributes.join('; ')]);
}
