import type { JWTPayload } from 'jose';

/** Copies the mapped assertion claims (assertion name → access-token name); unmapped claims stay behind. */
export function mapClaims(payload: JWTPayload, mappings: Readonly<Record<string, string>>): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(mappings)) {
    if (payload[from] !== undefined) claims[to] = payload[from];
  }
  return claims;
}
