import type { JWTPayload } from 'jose';
import { OAuthError } from '../../../common/oauth-error';
import type { RegisteredClient } from '../../../clients/registered-client';
import type { RequestObjectParams } from '../../core/security-profile';
import { responseModeOf, type ErrorDestination, type ResponseMode } from './authorization-request';
import { matchRedirectUri } from './redirect-uri';

/** JWT claims of the object itself (RFC 7519 §4.1), never authorization parameters. */
const JWT_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sub']);

function invalid(code: 'invalid_request' | 'invalid_request_object', description: string): OAuthError {
  return new OAuthError(code, description, 302, { reason: 'request_invalid' });
}

/**
 * Which parameters count once the request object is verified. Under `object` (RFC 9101 §6.3, the
 * FAPI profiles) only the object's, with the outside `client_id`. Under `oidc` (OIDC Core §6.3,
 * `baseline`) an OpenID request — `openid` in the object's scope or, lacking one, the outside
 * scope — also keeps the outside parameters, the object's values winning, and must carry outside
 * `response_type` (equal to the object's when it has one) and a `scope` with `openid` (§6.1: it
 * stays a valid OAuth 2.0 request); a plain OAuth request is RFC 9101's (only the object's).
 * Everywhere: the object's `client_id`, when present, equals the outside one (RFC 9101 §5), and an
 * object never nests `request` or `request_uri` (§4).
 */
export function mergeRequestObject(outer: Readonly<Record<string, string>>, claims: JWTPayload, rule: RequestObjectParams): Record<string, string> {
  const inner: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(claims)) {
    if (JWT_CLAIMS.has(name)) continue;
    if (name === 'request' || name === 'request_uri') throw invalid('invalid_request_object', `a request object must not contain ${name}`);
    // Numbers (max_age) and JSON objects (claims) travel as their form encoding would carry them.
    if (typeof value === 'string') inner[name] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) inner[name] = String(value);
    else if (value && typeof value === 'object' && !Array.isArray(value)) inner[name] = JSON.stringify(value);
    else throw invalid('invalid_request_object', `request object parameter ${name} must be a string, a number or (claims) an object`);
  }
  if (inner.client_id !== undefined && inner.client_id !== outer.client_id) throw invalid('invalid_request_object', 'the request object client_id differs from the client_id parameter');

  const scope = inner.scope ?? outer.scope ?? '';
  const openid = scope.split(' ').includes('openid');
  if (rule === 'object' || !openid) return { ...inner, client_id: outer.client_id };
  if (outer.response_type === undefined) throw invalid('invalid_request', 'response_type is required outside the request object (OIDC Core 6.1)');
  if (inner.response_type !== undefined && inner.response_type !== outer.response_type) {
    throw invalid('invalid_request', 'response_type differs between the request object and the request (OIDC Core 6.1)');
  }
  if (!(outer.scope ?? '').split(' ').includes('openid')) throw invalid('invalid_request', 'scope with openid is required outside the request object (OIDC Core 6.1)');
  const merged: Record<string, string> = { ...outer, ...inner };
  delete merged.request;
  delete merged.request_uri;
  return merged;
}

/**
 * Where an error may go before the request is validated: the `redirect_uri` of `params` when it
 * is registered for the client (outside parameters, or a verified object's). Undefined: an error page.
 */
export function trustedDestination(params: Readonly<Record<string, string>>, client: RegisteredClient): ErrorDestination | undefined {
  const redirectUri = params.redirect_uri === undefined ? undefined : matchRedirectUri(client, params.redirect_uri);
  if (!redirectUri) return undefined;
  const implicit = /\b(token|id_token)\b/.test(params.response_type ?? '');
  const responseMode: ResponseMode = responseModeOf(params.response_mode, implicit) ?? (implicit ? 'fragment' : 'query');
  return { clientId: client.clientId, redirectUri, responseMode, state: params.state };
}
