/**
 * The security profiles by name, weakest first (oauth/core/profile-names.ts builds them): a
 * client's may only be stricter than its tenant's. No imports: the plugin SDK's types reach it.
 */
export const PROFILE_NAMES = ['baseline', 'fapi2-security', 'fapi2-message-signing'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export function isProfileName(value: unknown): value is ProfileName {
  return typeof value === 'string' && (PROFILE_NAMES as readonly string[]).includes(value);
}
