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

/** Every claim the scopes can release, for discovery's claims_supported. */
export const OIDC_CLAIMS = ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'sid', ...Object.values(SCOPE_CLAIMS).flat()];

/** The user's claims that `scopes` release: from the user's claims, with `preferred_username` its username. */
export function userClaimsFor(user: Pick<UserEntity, 'username' | 'claims' | 'updatedAt'>, scopes: readonly string[]): Record<string, unknown> {
  const available: Record<string, unknown> = { ...user.claims, preferred_username: user.username, updated_at: user.updatedAt };
  const released: Record<string, unknown> = {};
  for (const scope of scopes) {
    for (const claim of SCOPE_CLAIMS[scope] ?? []) if (available[claim] !== undefined) released[claim] = available[claim];
  }
  return released;
}
