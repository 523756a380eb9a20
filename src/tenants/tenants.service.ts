import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Actor } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { entityTag, IfMatch, Tagged } from '../common/entity-tag';
import { IssuerContext } from '../common/issuer-context';
import { OAuthError } from '../common/oauth-error';
import { DEFAULT_TENANT } from '../common/request-context';
import { StaleVersion, updateVersioned } from '../common/versioned-update';
import { AtomicWriter, WriteStep } from '../database/atomic-writer';
import { changedColumns } from '../database/changed-columns';
import { nowSeconds } from '../database/columns';
import { insertStep, updateStep } from '../database/repository-steps';
import { KeyRing } from '../keys/key-ring';
import { SigningKeysService } from '../keys/signing-keys.service';
import { CachedTenantDirectory } from './tenant-directory.provider';
import { isTenantDomain, tenantDomainProblem } from './tenant-domain';
import { TenantChange, TenantInput } from './tenant-input';
import { TENANT_TABLES } from './tenant-tables';
import { TenantEntity } from './tenant.entity';

/** A tenant as the admin API and the CLI show it. */
export interface TenantView {
  domain: string;
  display_name: string;
  enabled: boolean;
  /** The admin-set setting overrides (`{}` when none). */
  settings: Record<string, unknown>;
  /** True for `carbon.super`: today's URLs; it cannot be deleted or disabled. */
  default: boolean;
  created_at: number;
}

export interface TenantPage {
  items: TenantView[];
  total: number;
}

/**
 * The tenants (issue 26): creation with the tenant's first signing key, versioned changes, and
 * deletion of everything of a tenant in one atomic write. Every change commits its audit row with
 * it, in the trail of the tenant the administrator acts in (the default one).
 */
@Injectable()
export class TenantsService {
  private readonly logger = new Logger(TenantsService.name);

  constructor(
    @InjectRepository(TenantEntity) private readonly repo: Repository<TenantEntity>,
    private readonly writer: AtomicWriter,
    private readonly directory: CachedTenantDirectory,
    private readonly keys: SigningKeysService,
    private readonly keyRing: KeyRing,
    private readonly audit: AuditTrail,
    private readonly context: IssuerContext,
  ) {}

  /**
   * The tenant row, its first signing key (the default issuer's `[oauth.token] signing_alg`) and
   * the audit row: one atomic write, so no tenant exists without a key. 409 when the domain is taken.
   */
  async create(input: TenantInput, actor: Actor): Promise<Tagged<TenantView>> {
    const entity = this.repo.create({ domain: input.domain, displayName: input.display_name, enabled: input.enabled, settings: input.settings, version: 1, createdAt: nowSeconds() });
    const taken = () => OAuthError.conflict(`a tenant with domain ${input.domain} exists`);
    if (await this.repo.existsBy({ domain: input.domain })) throw taken();
    const alg = this.context.default.settings.token.signing_alg;
    const key = await this.keys.firstKeyStepFor(entity.domain, alg);
    await this.writer.commit([
      // The check above answers the usual duplicate; the INSERT's own refusal, a concurrent creation.
      insertStep(this.repo, entity, { expect: 'new-key', refused: taken }),
      key.step,
      this.audit.step({ event: 'tenant.created', actor, target: entity.domain, details: { kid: key.kid, alg, enabled: entity.enabled } }),
    ]);
    this.directory.forget(entity.domain);
    await this.refreshKeys();
    return this.tagged(entity);
  }

  async list(limit: number, offset: number): Promise<TenantPage> {
    const [rows, total] = await this.repo.findAndCount({ order: { createdAt: 'ASC', domain: 'ASC' }, take: limit, skip: offset });
    return { items: rows.map(view), total };
  }

  async get(domain: string): Promise<Tagged<TenantView>> {
    return this.tagged(await this.load(domain));
  }

  /**
   * One conditional UPDATE of the changed columns (`WHERE version = ?`); with `If-Match`, only
   * over the version it names (412), else merged over a newer version (see `updateVersioned`).
   * The default tenant cannot be disabled.
   */
  update(domain: string, change: TenantChange | ((current: TenantEntity) => TenantChange), actor: Actor, ifMatch?: IfMatch): Promise<Tagged<TenantView>> {
    return updateVersioned(ifMatch, async () => {
      const stored = await this.load(domain);
      ifMatch?.require(tagOf(stored)); // RFC 9110 §13.2.2: before the content is looked at
      const wanted = typeof change === 'function' ? change(stored) : change;
      if (wanted.enabled === false && stored.domain === DEFAULT_TENANT) {
        throw OAuthError.conflict(`the default tenant ${DEFAULT_TENANT} cannot be disabled: it serves the deployment's own URLs and its administrators`);
      }
      const next: TenantEntity = { ...stored };
      if (wanted.display_name !== undefined) next.displayName = wanted.display_name;
      if (wanted.enabled !== undefined) next.enabled = wanted.enabled;
      if (wanted.settings !== undefined) next.settings = wanted.settings;
      const changed = changedColumns<TenantEntity>(stored, next);
      if (!Object.keys(changed).length) return this.tagged(stored); // nothing changes: no write, no new version
      await this.writer.commit([
        updateStep(this.repo, { ...changed, version: () => 'version + 1' } as QueryDeepPartialEntity<TenantEntity>, 'domain = :domain AND version = :version', { domain, version: stored.version }, { expect: 'one-row', refused: () => new StaleVersion() }),
        this.audit.step({ event: 'tenant.updated', actor, target: domain, details: { fields: Object.keys(changed).map(columnName).sort() } }),
      ]);
      // After the write, so a concurrent lookup cannot re-cache the old row.
      this.directory.forget(domain);
      next.version = stored.version + 1;
      return this.tagged(next);
    });
  }

  /**
   * The tenant and every row of it (see TENANT_TABLES) in one atomic write: nothing of it is
   * left, or nothing is deleted. Its audit events stay (the record of what happened), and the
   * deletion is recorded in the trail of the tenant acting. The default tenant cannot be deleted.
   */
  async delete(domain: string, actor: Actor): Promise<void> {
    if (domain === DEFAULT_TENANT) {
      throw OAuthError.conflict(`the default tenant ${DEFAULT_TENANT} cannot be deleted: it serves the deployment's own URLs and its administrators`);
    }
    const missing = () => OAuthError.notFound(`no tenant with domain ${printable(domain)}`);
    if (!isTenantDomain(domain)) throw missing();
    const steps: WriteStep[] = [
      // First, and conditional: a tenant deleted concurrently refuses this write whole.
      { sql: 'DELETE FROM tenants WHERE domain = ?', params: [domain], expect: 'one-row', refused: missing },
      ...TENANT_TABLES.map((table): WriteStep => ({ sql: `DELETE FROM ${table} WHERE tenant = ?`, params: [domain] })),
      this.audit.step({ event: 'tenant.deleted', actor, target: domain }),
    ];
    await this.writer.commit(steps);
    this.directory.forget(domain);
    await this.refreshKeys();
  }

  /**
   * The server's key ring holds every tenant's keys: a new tenant signs at once, a deleted one's
   * keys leave memory. The change is committed whatever happens here: a failed refresh is logged
   * and left to the ring's own timer (`[keys] refresh_interval`), not answered as a failed change.
   */
  private async refreshKeys(): Promise<void> {
    if (!this.keyRing.loaded) return; // the CLI never started one
    await this.keyRing.refresh().catch((error: unknown) => this.logger.error(`key refresh after a tenant change failed: ${(error as Error).message}`));
  }

  private async load(domain: string): Promise<TenantEntity> {
    const row = isTenantDomain(domain) ? await this.repo.findOneBy({ domain }) : null;
    if (!row) throw OAuthError.notFound(`no tenant with domain ${printable(domain)}`);
    return row;
  }

  private tagged(entity: TenantEntity): Tagged<TenantView> {
    return { view: view(entity), etag: tagOf(entity) };
  }
}

function view(entity: TenantEntity): TenantView {
  return {
    domain: entity.domain,
    display_name: entity.displayName,
    enabled: entity.enabled,
    settings: entity.settings ?? {},
    default: entity.domain === DEFAULT_TENANT,
    created_at: entity.createdAt,
  };
}

/** Tenants are not a tenant's records: the tag names the domain twice rather than a tenant. */
function tagOf(entity: TenantEntity): string {
  return entityTag('tenant', entity.domain, entity.domain, entity.version);
}

const COLUMN_NAMES: Record<string, string> = { displayName: 'display_name', enabled: 'enabled', settings: 'settings' };

function columnName(property: string): string {
  return COLUMN_NAMES[property] ?? property;
}

/** A domain as an error message may repeat it: a tenant's, or cut and without control characters. */
function printable(domain: string): string {
  return tenantDomainProblem(domain) === undefined ? domain : JSON.stringify(domain.slice(0, 64));
}
