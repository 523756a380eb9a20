import type { GrantryConfig } from './config.schema';

/**
 * The named in-process caches `[[cache.manager]]` can size (WSO2 names where WSO2 has one).
 * A `name` outside this list is a configuration error, so a typo cannot leave a cache at its default.
 */
export const CACHE_NAMES = {
  AppInfoCache: 'client records',
  IdentityProviderCache: 'identity provider records',
  IdentityProviderJwks: "identity providers' fetched JWKS",
  PrivateKeyJWT: "private_key_jwt clients' fetched JWKS",
  Truststore: 'parsed truststore certificates',
} as const;

export type CacheName = keyof typeof CACHE_NAMES;

export function isCacheName(name: string): name is CacheName {
  return Object.prototype.hasOwnProperty.call(CACHE_NAMES, name);
}

/** `[[cache.manager]]` by name (WSO2), with grantry's defaults when the file has no entry. */
export function cacheSettings(
  config: GrantryConfig,
  name: CacheName,
  defaults: { timeout?: number; capacity?: number } = {},
): { timeout: number; capacity: number } {
  const entry = config.cache.manager.find((manager) => manager.name === name);
  if (!entry) return { timeout: defaults.timeout ?? 10, capacity: defaults.capacity ?? 5000 };
  return { timeout: entry.enable ? entry.timeout : 0, capacity: entry.capacity };
}
