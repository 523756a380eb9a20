import { redirectError } from '../request/authorization-errors';
import type { ValidatedAuthorizationRequest } from '../request/authorization-request';
import type { OAuthError } from '../../../common/oauth-error';
import { claimsBeyondScopes, scopeOfClaim } from '../../tokens/oidc-claims';

/** What the user must do before the request can be answered. */
export type Need = 'login' | 'select_account' | 'consent' | 'nothing';

/** OIDC Core §3.1.2.6: the error `prompt=none` answers for each need. */
export const PROMPT_NONE_ERRORS: Record<Exclude<Need, 'nothing'>, string> = {
  login: 'login_required',
  select_account: 'account_selection_required',
  consent: 'consent_required',
};

/** What the policy knows of the browser's sign-in. */
export interface SignIn {
  /** When the user signed in (seconds). */
  authTime: number;
  acr: string | null;
  /** The user's subject as the client sees it (pairwise or public); asked only when the request names subjects. */
  subject(): string;
}

/**
 * Whether the browser's sign-in answers the request as it arrived (before any interaction), or
 * the user must sign in again or choose the account; undefined: the sign-in will do (consent
 * decides the rest).
 */
export function signInNeed(request: ValidatedAuthorizationRequest, signIn: SignIn | undefined, now: number): 'login' | 'select_account' | undefined {
  if (!signIn) return 'login';
  if (request.prompt.includes('login')) return 'login';
  // OIDC Core §3.1.2.1: max_age=0 means sign in again, like prompt=login.
  if (request.maxAge !== undefined && (request.maxAge === 0 || now - signIn.authTime > request.maxAge)) return 'login';
  // §3.1.2.1 id_token_hint, §5.5.1 sub: the session is someone else's — the named user must sign in; never an answer for this one.
  if (!isNamedSubject(request, signIn)) return 'login';
  // §5.5.1.1: a sign-in that does not satisfy the essential acr; another sign-in might.
  if (!acrSatisfied(request, signIn.acr)) return 'login';
  if (request.prompt.includes('select_account')) return 'select_account';
  return undefined;
}

/** Consent, when the user has not approved what the request asks (or the request asks to be asked). */
export function consentNeed(request: ValidatedAuthorizationRequest, consented: boolean): 'consent' | 'nothing' {
  return request.prompt.includes('consent') || !consented ? 'consent' : 'nothing';
}

/**
 * After a sign-in (or the choice of the signed-in account): the user must be the one the
 * request named — §3.1.2.1: otherwise an error such as login_required, never a code for
 * someone else — and the sign-in must satisfy an essential acr, or it is a failed
 * authentication (§5.5.1.1; OpenID Connect Core Error Code unmet_authentication_requirements).
 */
export function signInRefusal(request: ValidatedAuthorizationRequest, signIn: SignIn): OAuthError | undefined {
  if (!isNamedSubject(request, signIn)) return redirectError('login_required', 'the signed-in user is not the one the request names');
  if (!acrSatisfied(request, signIn.acr)) return redirectError('unmet_authentication_requirements', 'the sign-in does not satisfy the essential acr of the request');
  return undefined;
}

/**
 * The scopes whose remembered consent covers the request: its own, and for each claim asked for
 * one by one (OIDC Core §5.5) beyond them, the scope that would release it. A consent is
 * remembered by scope only, so claims beyond every consented scope are asked each time.
 */
export function consentScopes(request: ValidatedAuthorizationRequest): string[] {
  const { id_token = [], userinfo = [] } = request.claims ?? {};
  const beyond = claimsBeyondScopes([...id_token, ...userinfo], request.scopes);
  return [...new Set([...request.scopes, ...beyond.flatMap((claim) => scopeOfClaim(claim) ?? [])])];
}

function isNamedSubject(request: ValidatedAuthorizationRequest, signIn: SignIn): boolean {
  return request.subjects === undefined || request.subjects.includes(signIn.subject());
}

/** OIDC Core §5.5.1.1: does the session's acr satisfy the request's essential acr (if any)? */
function acrSatisfied(request: ValidatedAuthorizationRequest, acr: string | null): boolean {
  if (request.essentialAcr === undefined) return true;
  return acr !== null && (request.essentialAcr.length === 0 || request.essentialAcr.includes(acr));
}
