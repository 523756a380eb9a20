import type { GrantryConfig } from '../config/config.schema';

/** `[[cache.manager]]` by name (WSO2), with grantry's defaults when the file has no entry. */
export function cacheSettings(
  config: GrantryConfig,
  name: string,
  defaults: { timeout?: number; capacity?: number } = {},
): { timeout: number; capacity: number } {
  const entry = config.cache.manager.find((manager) => manager.name === name);
  if (!entry) return { timeout: defaults.timeout ?? 10, capacity: defaults.capacity ?? 5000 };
  return { timeout: entry.enable ? entry.timeout : 0, capacity: entry.capacity };
}
