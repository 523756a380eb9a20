import { AuthorizationPageError } from './authorization-errors';

/**
 * The parameters of an authorization request — the query of a GET or the form of a POST (OIDC
 * Core §3.1.2.1) — each at most once (RFC 6749 §3.1), empty values dropped. A repeated one is
 * refused before anything else: which of two redirect URIs would be the right one?
 */
export function authorizationParams(source: unknown): Record<string, string> {
  const params: Record<string, string> = {};
  if (!source || typeof source !== 'object') return params;
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    if (Array.isArray(value)) throw new AuthorizationPageError('invalid_request', `parameter ${name} is included more than once`);
    if (typeof value !== 'string') throw new AuthorizationPageError('invalid_request', `parameter ${name} is malformed`);
    if (value !== '') params[name] = value;
  }
  return params;
}
