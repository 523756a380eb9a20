import type { ValidatedAuthorizationRequest } from '../request/authorization-request';
import { claimsBeyondScopes } from '../../tokens/oidc-claims';

/** OIDC's standard scopes, in words a user understands. */
const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Sign you in',
  profile: 'Your name and profile',
  email: 'Your email address',
  address: 'Your postal address',
  phone: 'Your phone number',
  offline_access: 'Stay connected when you are away',
};

/** OIDC Core §5.1's standard claims, in words a user understands. */
const CLAIM_DESCRIPTIONS: Readonly<Record<string, string>> = {
  name: 'Your full name',
  given_name: 'Your given name',
  family_name: 'Your family name',
  middle_name: 'Your middle name',
  nickname: 'Your nickname',
  preferred_username: 'Your username',
  profile: 'Your profile page',
  picture: 'Your picture',
  website: 'Your website',
  gender: 'Your gender',
  birthdate: 'Your birthday',
  zoneinfo: 'Your time zone',
  locale: 'Your language',
  updated_at: 'When your profile last changed',
  email: 'Your email address',
  email_verified: 'Whether your email address is verified',
  address: 'Your postal address',
  phone_number: 'Your phone number',
  phone_number_verified: 'Whether your phone number is verified',
};

/** What the consent page lists: the request's scopes, then the claims it asked for one by one beyond them. */
export function consentItems(request: ValidatedAuthorizationRequest): { name: string; description?: string }[] {
  return [...request.scopes.map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })), ...individualClaims(request)];
}

/**
 * What the consent page lists besides the scopes: the claims the request asked for one by one
 * (OIDC Core §5.5) that none of its scopes releases — the user approves each of those too.
 */
function individualClaims(request: ValidatedAuthorizationRequest): { name: string; description?: string }[] {
  const { id_token = [], userinfo = [] } = request.claims ?? {};
  return claimsBeyondScopes([...id_token, ...userinfo], request.scopes).map((name) => ({ name, description: CLAIM_DESCRIPTIONS[name] }));
}
