/**
 * What the request context needs to know of a tenant; the tenants module keeps the record and
 * provides the directory. Defined here because the context (common/) imports no feature folder.
 */
export interface TenantState {
  /** The tenant domain (`wso2.com`): lower-case DNS labels, at most 64 characters. */
  readonly domain: string;
  readonly enabled: boolean;
  /** Changes with every update of the record (its ETag's version). */
  readonly version: number;
  /**
   * The overrides set through the admin API, shaped as the deployment file's keys
   * (`{ oauth: { token: { access_token_ttl: 900 } } }`); `{}` when none. They win over the
   * file's `[tenant."<domain>"]` table.
   */
  readonly settings: Readonly<Record<string, unknown>>;
}

/**
 * Finds tenants by domain for every request that names one; cached, so a tenant's token costs no
 * query. A state is immutable and a new object whenever the record is read again: the request
 * context built from one is rebuilt from the next (a deleted and recreated tenant starts at
 * version 1 again, so versions alone cannot tell).
 */
export abstract class TenantDirectory {
  /**
   * The tenant of `domain`, or undefined when none exists. A found record is at most
   * `[[cache.manager]] timeout` seconds old, a miss at most a few seconds.
   */
  abstract find(domain: string): Promise<TenantState | undefined>;
}
