import type { UserEntity } from '../../users/user.entity';

/** OIDC Core §5.4: the claims each standard scope asks for. */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

/** The OIDC scopes grantry knows, for discovery's scopes_supported. */
export const OIDC_SCOPES = ['openid', ...Object.keys(SCOPE_CLAIMS)];

/** The user claims grantry releases (OIDC Core §5.1): through the scopes, or one by one through the `claims` parameter (§5.5). */
export const USER_CLAIMS: ReadonlySet<string> = new Set(Object.values(SCOPE_CLAIMS).flat());

/** Every claim the scopes can release, for discovery's claims_supported. */
export const OIDC_CLAIMS = ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'sid', ...USER_CLAIMS];

/**
 * The user's claims that `scopes` release, and `claims` asked for one by one (OIDC Core §5.5;
 * only standard user claims): from the user's claims, with `preferred_username` its username.
 * A claim the user does not have is left out — never an error, essential or not (§5.5.1).
 */
export function userClaimsFor(user: Pick<UserEntity, 'username' | 'claims' | 'updatedAt'>, scopes: readonly string[], claims: readonly string[] = []): Record<string, unknown> {
  const available: Record<string, unknown> = { ...user.claims, preferred_username: user.username, updated_at: user.updatedAt };
  const released: Record<string, unknown> = {};
  const release = (claim: string) => {
    if (USER_CLAIMS.has(claim) && available[claim] !== undefined) released[claim] = available[claim];
  };
  for (const scope of scopes) for (const claim of SCOPE_CLAIMS[scope] ?? []) release(claim);
  for (const claim of claims) release(claim);
  return released;
}

/** The claims `claims` asks for that `scopes` do not release already: what the user must consent to one by one. */
export function claimsBeyondScopes(claims: readonly string[], scopes: readonly string[]): string[] {
  const released = new Set(scopes.flatMap((scope) => SCOPE_CLAIMS[scope] ?? []));
  return [...new Set(claims)].filter((claim) => USER_CLAIMS.has(claim) && !released.has(claim));
}

/** The standard scope that releases `claim` (OIDC Core §5.4), if any. */
export function scopeOfClaim(claim: string): string | undefined {
  return Object.keys(SCOPE_CLAIMS).find((scope) => SCOPE_CLAIMS[scope].includes(claim));
}
