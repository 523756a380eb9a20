import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TenantDirectory, TenantState } from '../common/tenant-directory';
import { TtlCache } from '../common/ttl-cache';
import { cacheSettings } from '../config/cache-settings';
import { GrantryConfig } from '../config/config.schema';
import { isTenantDomain } from './tenant-domain';
import { TenantEntity } from './tenant.entity';

/** Seconds a domain looked up and not found is remembered (at most the found records' timeout). */
const MISS_SECONDS = 3;

/**
 * The request context's view of `tenants`: a found tenant is kept at most `[[cache.manager]]`
 * timeout seconds (AppInfoCache's, as client records: a tenant is looked up as often as its
 * clients), a miss a few seconds, so a request naming an unknown tenant costs no query each time
 * and a tenant created by the CLI or another instance is served within seconds. A change made
 * through this process (`TenantsService`) forgets the entry at once.
 */
@Injectable()
export class CachedTenantDirectory extends TenantDirectory {
  private readonly found: TtlCache<string, TenantState>;
  private readonly misses: TtlCache<string, true>;

  constructor(
    @InjectRepository(TenantEntity) private readonly repo: Repository<TenantEntity>,
    config: GrantryConfig,
  ) {
    super();
    const { timeout, capacity } = cacheSettings(config, 'AppInfoCache');
    this.found = new TtlCache(timeout, capacity);
    this.misses = new TtlCache(Math.min(MISS_SECONDS, timeout), capacity);
  }

  async find(domain: string): Promise<TenantState | undefined> {
    // Not a domain, so no tenant's: no query (and no NUL sent to PostgreSQL).
    if (!isTenantDomain(domain)) return undefined;
    const cached = this.found.get(domain);
    if (cached) return cached;
    if (this.misses.get(domain)) return undefined;
    const row = await this.repo.findOneBy({ domain });
    if (!row) {
      this.misses.set(domain, true);
      return undefined;
    }
    const state = stateOf(row);
    this.found.set(domain, state);
    return state;
  }

  /** After a change of `domain` through this process: the next `find` reads it again. */
  forget(domain: string): void {
    this.found.delete(domain);
    this.misses.delete(domain);
  }
}

export function stateOf(row: TenantEntity): TenantState {
  return Object.freeze({ domain: row.domain, enabled: row.enabled, version: row.version, settings: deepFreeze(structuredClone(row.settings ?? {})) });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
