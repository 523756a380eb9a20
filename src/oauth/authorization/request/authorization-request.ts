import { MAX_JWE_BYTES } from '../../jwe/jwe-header';
import { ADMIN_SCOPE, type RegisteredClient } from '../../../clients/registered-client';
import { canonicalResponseType } from '../../../clients/client-metadata';
import { PKCE_VALUE } from '../code/pkce';
import { AuthorizationPageError, redirectError } from './authorization-errors';
import { adminScopeMisuse, checkScopes } from '../../core/scope-policy';
import type { AssertionJti } from '../../core/extension-points';
import type { PkcePolicy, RequestObjectParams } from '../../core/security-profile';
import { parseClaimsParameter, RequestedClaims } from './claims-parameter';
import { matchRedirectUri } from './redirect-uri';

/** How the response travels (OAuth 2.0 Multiple Response Types, Form Post Response Mode), or as a JWT that way (JARM §2.3). */
export type ResponseMode = 'query' | 'fragment' | 'form_post' | 'query.jwt' | 'fragment.jwt' | 'form_post.jwt';
const RESPONSE_MODES: ReadonlySet<string> = new Set<ResponseMode>(['query', 'fragment', 'form_post', 'query.jwt', 'fragment.jwt', 'form_post.jwt']);

/**
 * The response mode asked for, resolved: the response type's default without one, and JARM §2.3.4's
 * `jwt` as that default's JWT mode (`query.jwt` for code, `fragment.jwt` when tokens come back).
 * Undefined: a mode this server does not know.
 */
export function responseModeOf(requested: string | undefined, implicitParts: boolean): ResponseMode | undefined {
  const fallback = implicitParts ? 'fragment' : 'query';
  if (requested === undefined) return fallback;
  if (requested === 'jwt') return `${fallback}.jwt`;
  return RESPONSE_MODES.has(requested) ? (requested as ResponseMode) : undefined;
}
export type Prompt = 'none' | 'login' | 'consent' | 'select_account';

/** An authorization request that passed every check: what the rest of the flow works from. */
export interface ValidatedAuthorizationRequest {
  clientId: string;
  redirectUri: string;
  /** Whether the request named it (RFC 6749 §4.1.3: then the token request must name it too). */
  redirectUriGiven: boolean;
  /** Canonical (`code id_token`, never `id_token code`). */
  responseType: string;
  responseMode: ResponseMode;
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  prompt: Prompt[];
  /** Seconds since the user's sign-in after which they must sign in again. */
  maxAge?: number;
  loginHint?: string;
  uiLocales: string[];
  /** OIDC Core §5.5: user claims asked for one by one, for the ID token and for userinfo. */
  claims?: RequestedClaims;
  /**
   * The only subjects (as the client sees them) the answer may be for: from `id_token_hint`
   * (§3.1.2.1) and from `sub` with a value in the claims parameter (§5.5.1). Undefined: anyone.
   */
  subjects?: string[];
  /** OIDC Core §5.5.1.1: the acr values one of which the sign-in must satisfy (empty: any acr). Undefined: no requirement. */
  essentialAcr?: string[];
  /** RFC 9449 §10 `dpop_jkt`: the DPoP key the code is bound to (sent here, or pushed, or proven at PAR). */
  dpopJkt?: string;
  /** RFC 9126: the key of the pushed request this came from, used up when the code or tokens are issued. */
  pushedRequest?: string;
  /** RFC 9101 §10.x / OIDC Core §6: the signed request object's `jti`, recorded as used when the code or tokens are issued. */
  requestObjectJti?: AssertionJti;
}

/** Where an error about this request goes, once the client and redirect URI are known. */
export interface ErrorDestination {
  /** Whose redirect URI it is (a JWT response, JARM, is signed and perhaps encrypted for it). */
  clientId: string;
  redirectUri: string;
  responseMode: ResponseMode;
  state?: string;
}

/** Where errors about a stored request go. */
export function destinationOf(request: ValidatedAuthorizationRequest): ErrorDestination {
  return { clientId: request.clientId, redirectUri: request.redirectUri, responseMode: request.responseMode, state: request.state };
}

/** What the authorization endpoint holds a request to: the security profile's decisions over what is enabled. */
export interface AuthorizationPolicy {
  /** Response types served: those of the enabled grants (implicit ones only when `[oauth.grant_type.implicit] enable`) the profile allows. */
  responseTypes: ReadonlySet<string>;
  pkce: PkcePolicy;
  /** RFC 9126 §5: only pushed authorization requests. */
  parRequired: boolean;
  /** Request objects (RFC 9101): whether `alg: none` is taken, which parameters count, whether one is required (see SecurityProfileRules). */
  requestObjects: { unsigned: boolean; params: RequestObjectParams; required?: boolean };
  /** Authorization responses only as JWTs (JARM): the JWT mode by default, plain modes refused. */
  jwtResponses?: boolean;
  /** Whether the client may use a grant type its registrant chose (RegistrationGrantTypes). */
  grantTypeApproved(client: RegisteredClient, grantType: string): boolean;
}

const PROMPTS = new Set<Prompt>(['none', 'login', 'consent', 'select_account']);
const MAX_PARAM_LENGTH = 4096;
/** An ID token, possibly encrypted to this server (a nested JWT), is longer than other parameters: the JWE limit. */
const LONGER_PARAMS: Readonly<Record<string, number>> = { id_token_hint: MAX_JWE_BYTES };

/**
 * RFC 6749 §4.1.1/§4.2.1, RFC 7636, OIDC Core §3.1.2.1. Errors about the client or redirect URI
 * are AuthorizationPageError (an error page, never a redirect); every later error is redirected.
 * `destination` is filled as soon as errors may be redirected.
 */
export function validateAuthorizationRequest(
  params: Readonly<Record<string, string>>,
  client: RegisteredClient | undefined,
  policy: AuthorizationPolicy,
  destination: { value?: ErrorDestination },
  /** RFC 9126: the parameters were (or are being) pushed, so a PAR requirement is met. */
  pushed = false,
): ValidatedAuthorizationRequest {
  if (!client) throw new AuthorizationPageError('invalid_request', params.client_id ? 'the client is unknown' : 'client_id is required');
  const scopes = scopeList(params.scope);
  const redirectUri = redirectUriOf(client, params.redirect_uri, scopes.includes('openid'));

  const responseType = params.response_type === undefined ? undefined : canonicalResponseType(params.response_type);
  const implicitParts = !!responseType && /\b(token|id_token)\b/.test(responseType);
  const requestedMode = params.response_mode;
  // JARM §2.3.4: `jwt` is the default mode's JWT form — the default itself where the profile answers only in JWTs.
  const validMode = responseModeOf(requestedMode ?? (policy.jwtResponses ? 'jwt' : undefined), implicitParts);
  const responseMode: ResponseMode = validMode ?? (implicitParts ? 'fragment' : 'query');
  destination.value = { clientId: client.clientId, redirectUri, responseMode, state: params.state };

  for (const [name, value] of Object.entries(params)) {
    if (value.length > (LONGER_PARAMS[name] ?? MAX_PARAM_LENGTH)) throw redirectError('invalid_request', `parameter ${name} is too long`);
  }
  if (params.request !== undefined) throw redirectError('request_not_supported', 'request objects are not supported');
  if (params.request_uri !== undefined) throw redirectError('request_uri_not_supported', 'request_uri is not supported');
  // RFC 9126 §5/§6: server-wide ([oauth.par] required, the profile) or for this client.
  if ((policy.parRequired || client.requirePushedAuthorizationRequests) && !pushed) throw redirectError('invalid_request', 'authorization requests must be pushed first (RFC 9126): send request_uri');
  if (params.response_type === undefined) throw redirectError('invalid_request', 'response_type is required');
  if (!responseType || !policy.responseTypes.has(responseType)) throw redirectError('unsupported_response_type', `response_type ${params.response_type} is not supported`);
  if (!client.responseTypes.has(responseType)) throw redirectError('unauthorized_client', `this client is not registered for response_type ${responseType}`);
  checkGrantTypesApproved(responseType, client, policy);
  if (requestedMode !== undefined && !validMode) throw redirectError('invalid_request', `response_mode ${requestedMode} is not supported`);
  if (policy.jwtResponses && !responseMode.endsWith('.jwt')) throw redirectError('invalid_request', `response_mode ${responseMode} is not allowed: this server answers authorization requests with JWTs (JARM), response_mode jwt`);
  // OAuth 2.0 Multiple Response Types §5: tokens never travel in a query string; JARM §2.3.1: nor
  // in a query.jwt response unless it is encrypted.
  if (responseMode === 'query' && implicitParts) throw redirectError('invalid_request', `response_mode query is not allowed with response_type ${responseType}`);
  if (responseMode === 'query.jwt' && implicitParts && !client.authorizationEncryptedResponseAlg) {
    throw redirectError('invalid_request', `response_mode query.jwt is not allowed with response_type ${responseType} unless the client registered authorization_encrypted_response_alg`);
  }

  if (scopes.includes(ADMIN_SCOPE)) throw adminScopeMisuse();
  checkScopes(client, scopes, 'anyone');
  const granted = scopes.length ? scopes : [...client.defaultScopes];
  const idToken = responseType.split(' ').includes('id_token');
  if (idToken && !granted.includes('openid')) throw redirectError('invalid_scope', 'response_type id_token needs the openid scope');
  // OIDC Core §3.2.2.1 / §3.3.2.11: implicit and hybrid flows that return an ID token need a nonce.
  if (idToken && params.nonce === undefined) throw redirectError('invalid_request', 'nonce is required when an ID token is returned from the authorization endpoint');
  // The nonce is stored with the code as sent: PostgreSQL refuses a NUL in text (a failed write, a 500, after the user signed in).
  if (params.nonce?.includes('\u0000')) throw redirectError('invalid_request', 'nonce must not contain NUL');

  const prompt = promptList(params.prompt);
  const maxAge = params.max_age === undefined ? client.defaultMaxAge ?? undefined : nonNegative(params.max_age, 'max_age');
  const pkce = responseType.split(' ').includes('code') ? pkceOf(params, client, policy) : {};
  const claims = params.claims === undefined ? undefined : claimsOf(params.claims, granted, responseType);
  // RFC 9449 §10: a JWK SHA-256 thumbprint (RFC 7638), base64url.
  if (params.dpop_jkt !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(params.dpop_jkt)) throw redirectError('invalid_request', 'dpop_jkt is not a JWK SHA-256 thumbprint');
  return {
    clientId: client.clientId,
    redirectUri,
    redirectUriGiven: params.redirect_uri !== undefined,
    responseType,
    responseMode,
    scopes: granted,
    state: params.state,
    nonce: params.nonce,
    ...pkce,
    prompt,
    maxAge,
    loginHint: params.login_hint,
    uiLocales: params.ui_locales ? params.ui_locales.split(' ').filter(Boolean) : [],
    ...(params.dpop_jkt !== undefined ? { dpopJkt: params.dpop_jkt } : {}),
    ...claims,
  };
}

/**
 * OIDC Core §5.5 `claims`, for an OpenID request only. `acr_values` (§3.1.2.1) needs nothing
 * here: it asks for acr voluntarily, and the ID token carries the acr the sign-in satisfied
 * whether asked or not.
 */
function claimsOf(value: string, scopes: readonly string[], responseType: string): Pick<ValidatedAuthorizationRequest, 'claims' | 'subjects' | 'essentialAcr'> {
  if (!scopes.includes('openid')) throw redirectError('invalid_request', 'the claims parameter needs the openid scope');
  const { requested, subjects, essentialAcr } = parseClaimsParameter(value);
  // No access token, so no userinfo request that could return them (§5.5, response_type id_token).
  if (responseType === 'id_token' && requested.userinfo.length) throw redirectError('invalid_request', 'claims.userinfo cannot be used with response_type id_token: no access token is issued');
  if (subjects?.length === 0) throw redirectError('invalid_request', 'the claims parameter asks for sub values that no one user can have');
  return {
    ...(requested.id_token.length || requested.userinfo.length ? { claims: requested } : {}),
    ...(subjects ? { subjects } : {}),
    ...(essentialAcr ? { essentialAcr } : {}),
  };
}

/**
 * Re-checks a stored request against the client as it is now (after a sign-in that took a while):
 * the redirect URI still registered, the response type still registered and enabled, every scope
 * still allowed. A redirect URI gone is a page error; the rest go to the redirect URI.
 */
export function recheckAgainstClient(request: ValidatedAuthorizationRequest, client: RegisteredClient, policy: AuthorizationPolicy): void {
  if (!matchRedirectUri(client, request.redirectUri)) throw new AuthorizationPageError('invalid_request', 'redirect_uri is no longer registered for this client');
  if (!policy.responseTypes.has(request.responseType) || !client.responseTypes.has(request.responseType)) {
    throw redirectError('unauthorized_client', `this client may no longer use response_type ${request.responseType}`);
  }
  checkGrantTypesApproved(request.responseType, client, policy);
  checkScopes(client, request.scopes, 'anyone');
}

/**
 * The grant types a response type stands for (OIDC Registration §2: `code` authorization_code,
 * `token` and `id_token` implicit), each approved if the client's registrant chose it (RFC 7591):
 * the authorization endpoint confines a registration as the token endpoint does.
 */
function checkGrantTypesApproved(responseType: string, client: RegisteredClient, policy: AuthorizationPolicy): void {
  const parts = responseType.split(' ');
  const needed = [...(parts.includes('code') ? ['authorization_code'] : []), ...(parts.includes('token') || parts.includes('id_token') ? ['implicit'] : [])];
  const refused = needed.find((grantType) => !policy.grantTypeApproved(client, grantType));
  if (refused) throw redirectError('unauthorized_client', `this client may not use grant_type ${refused} until an administrator approves it`);
}

/** OIDC requires redirect_uri; plain OAuth lets a client with one registered URI leave it out (RFC 6749 §3.1.2.3). */
function redirectUriOf(client: RegisteredClient, requested: string | undefined, openid: boolean): string {
  if (requested === undefined) {
    if (openid) throw new AuthorizationPageError('invalid_request', 'redirect_uri is required');
    if (client.redirectUris.length !== 1) throw new AuthorizationPageError('invalid_request', 'redirect_uri is required: the client registered several');
    return client.redirectUris[0];
  }
  const matched = matchRedirectUri(client, requested);
  if (!matched) throw new AuthorizationPageError('invalid_request', 'redirect_uri is not registered for this client');
  return matched;
}

function pkceOf(params: Readonly<Record<string, string>>, client: RegisteredClient, policy: AuthorizationPolicy): Pick<ValidatedAuthorizationRequest, 'codeChallenge' | 'codeChallengeMethod'> {
  const challenge = params.code_challenge;
  if (challenge === undefined) {
    if (params.code_challenge_method !== undefined) throw redirectError('invalid_request', 'code_challenge_method without code_challenge');
    if (client.authMethod === 'none') throw redirectError('invalid_request', 'code_challenge is required: public clients must use PKCE (S256)');
    if (policy.pkce.required) throw redirectError('invalid_request', 'code_challenge is required (PKCE with S256)');
    return {};
  }
  // RFC 7636 §4.3: without a method the challenge is plain.
  const method = params.code_challenge_method ?? 'plain';
  if (method !== 'S256' && method !== 'plain') throw redirectError('invalid_request', `code_challenge_method ${method} is not supported; use S256`);
  if (method === 'plain' && !policy.pkce.allowPlain) throw redirectError('invalid_request', 'code_challenge_method plain is not allowed; use S256');
  if (!PKCE_VALUE.test(challenge)) throw redirectError('invalid_request', 'code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~');
  return { codeChallenge: challenge, codeChallengeMethod: method };
}

function scopeList(scope: string | undefined): string[] {
  return scope ? [...new Set(scope.split(' ').filter(Boolean))] : [];
}

function promptList(value: string | undefined): Prompt[] {
  if (value === undefined) return [];
  const prompts = [...new Set(value.split(' ').filter(Boolean))];
  const unknown = prompts.filter((prompt) => !PROMPTS.has(prompt as Prompt));
  if (unknown.length) throw redirectError('invalid_request', `prompt ${unknown.join(' ')} is not supported`);
  // OIDC Core §3.1.2.1: none with any other value is an error.
  if (prompts.includes('none') && prompts.length > 1) throw redirectError('invalid_request', 'prompt none cannot be combined with other values');
  return prompts as Prompt[];
}

function nonNegative(value: string, name: string): number {
  if (!/^\d{1,9}$/.test(value)) throw redirectError('invalid_request', `${name} must be a non-negative whole number of seconds`);
  return Number(value);
}
