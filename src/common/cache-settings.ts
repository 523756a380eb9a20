import type { GrantryConfig } from '../config/config.schema';

/** `[[cache.manager]]` by name (WSO2), with grantry's defaults when the file has no entry. */
export function cacheSettings(config: GrantryConfig, name: string): { timeout: number; capacity: number } {
  const entry = config.cache.manager.find((manager) => manager.name === name);
  if (!entry) return { timeout: 10, capacity: 5000 };
  return { timeout: entry.enable ? entry.timeout : 0, capacity: entry.capacity };
}
