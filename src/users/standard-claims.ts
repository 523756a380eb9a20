/** The JSON type of a claim. */
export type ClaimType = 'string' | 'boolean' | 'number' | 'object';

/**
 * OIDC Core §5.1: the standard claims a user may hold, with the JSON type each has — every one a
 * string except the two `*_verified` booleans, `updated_at` (a number of seconds) and `address`
 * (a JSON object, §5.1.1). A relying party reads `phone_number` as a string: a number there breaks
 * it. The one definition for the admin API and the CLI (`sub` is the server's: never a user claim).
 */
export const STANDARD_CLAIM_TYPES: Readonly<Record<string, ClaimType>> = {
  name: 'string',
  given_name: 'string',
  family_name: 'string',
  middle_name: 'string',
  nickname: 'string',
  preferred_username: 'string',
  profile: 'string',
  picture: 'string',
  website: 'string',
  email: 'string',
  email_verified: 'boolean',
  gender: 'string',
  birthdate: 'string',
  zoneinfo: 'string',
  locale: 'string',
  phone_number: 'string',
  phone_number_verified: 'boolean',
  address: 'object',
  updated_at: 'number',
};

/** The type OIDC Core §5.1 gives the claim `name`, or undefined for a claim it does not define. */
export function standardClaimType(name: string): ClaimType | undefined {
  return Object.hasOwn(STANDARD_CLAIM_TYPES, name) ? STANDARD_CLAIM_TYPES[name] : undefined;
}

/** Whether `value` has `type` (an object: a JSON object, not an array or null). */
export function hasClaimType(value: unknown, type: ClaimType): boolean {
  return type === 'object' ? !!value && typeof value === 'object' && !Array.isArray(value) : type === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === type;
}
