import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { cacheSettings } from '../config/cache-settings';
import { OAuthError } from '../common/oauth-error';
import { randomId } from '../common/random-id';
import { storable } from '../common/storable';
import { TtlCache } from '../common/ttl-cache';
import { entityTag, IfMatch, Tagged } from '../common/entity-tag';
import { IssuerContext } from '../common/issuer-context';
import { StaleVersion, updateVersioned } from '../common/versioned-update';
import { GrantryConfig } from '../config/config.schema';
import { AtomicWriter, WriteStep } from '../database/atomic-writer';
import { changedColumns } from '../database/changed-columns';
import { nowSeconds } from '../database/columns';
import { insertStep, updateStep } from '../database/repository-steps';
import { isUniqueViolation } from '../database/unique-violation';
import { IdentityProviderEntity } from './identity-provider.entity';
import { IdentityProviderInput } from './identity-provider-input';

export interface IdentityProviderView extends IdentityProviderInput {
  id: string;
  created_at: number;
  updated_at: number;
}

/** The DELETE of a provider, for the atomic write that also ends what it vouched for; `forget` it once committed. */
export interface ProviderRemoval {
  step: WriteStep;
  forget(): void;
}

/** Trusted issuers: storage for the admin API and CLI, and the cached lookup by `iss` of the JWT bearer grant. */
@Injectable()
export class IdentityProvidersService {
  /** Found providers by `iss:`, `name:` and `id:` keys of the tenant; a change evicts all three. */
  private readonly found: TtlCache<string, IdentityProviderEntity>;

  constructor(
    @InjectRepository(IdentityProviderEntity) private readonly repo: Repository<IdentityProviderEntity>,
    config: GrantryConfig,
    private readonly context: IssuerContext,
    private readonly writer: AtomicWriter,
  ) {
    const { timeout, capacity } = cacheSettings(config, 'IdentityProviderCache');
    this.found = new TtlCache(timeout, capacity);
  }

  /** `also`: what the caller writes with the INSERT (the audit row), given the new provider's id. */
  async create(input: IdentityProviderInput, also: (id: string) => readonly WriteStep[] = () => []): Promise<IdentityProviderView> {
    const now = nowSeconds();
    const entity = this.repo.create({ id: randomId(12), tenant: this.context.tenant, createdAt: now, updatedAt: now, version: 1 });
    apply(entity, input);
    await this.writer.commit([insertStep(this.repo, entity, { expect: 'new-key', refused: () => taken(input) }), ...also(entity.id)]);
    return this.view(entity);
  }

  async list(limit: number, offset: number): Promise<{ items: IdentityProviderView[]; total: number }> {
    const [rows, total] = await this.repo.findAndCount({ where: { tenant: this.context.tenant }, order: { createdAt: 'ASC', id: 'ASC' }, take: limit, skip: offset });
    return { items: rows.map((row) => this.view(row)), total };
  }

  async get(id: string): Promise<IdentityProviderView> {
    return this.view(await this.load(id));
  }

  /** The provider and the strong ETag of its stored version (admin API GET). */
  async getTagged(id: string): Promise<Tagged<IdentityProviderView>> {
    const entity = await this.load(id);
    return { view: this.view(entity), etag: tagOf(entity) };
  }

  /**
   * An administrator's change (admin API PATCH, CLI): `change` merges and validates the new fields
   * over the stored ones; one UPDATE of the changed columns, conditional on the version merged over
   * — merged again over a newer version when one came in between, unless `ifMatch` names the
   * version that must be current (412 otherwise).
   */
  update(id: string, change: (current: IdentityProviderInput) => IdentityProviderInput, ifMatch?: IfMatch, also: readonly WriteStep[] = []): Promise<Tagged<IdentityProviderView>> {
    return updateVersioned(ifMatch, async () => {
      const stored = await this.load(id);
      ifMatch?.require(tagOf(stored)); // RFC 9110 §13.2.2: before the content is looked at
      const input = change(inputOf(stored));
      const entity: IdentityProviderEntity = { ...stored };
      apply(entity, input);
      entity.updatedAt = nowSeconds();
      const step = updateStep(
        this.repo,
        { ...changedColumns<IdentityProviderEntity>(stored, entity), version: () => 'version + 1' },
        'id = :id AND tenant = :tenant AND version = :version',
        { id, tenant: stored.tenant, version: stored.version },
        { expect: 'one-row', refused: () => new StaleVersion() },
      );
      try {
        await this.writer.commit([step, ...also]);
      } catch (error) {
        throw isUniqueViolation(error) ? taken(input) : error;
      }
      // After the write, so a concurrent lookup cannot re-cache the old row; old and new keys, in case they changed.
      this.evict(stored);
      this.evict(entity);
      entity.version = stored.version + 1;
      return { view: this.view(entity), etag: tagOf(entity) };
    });
  }

  /**
   * The DELETE of the provider, for the write that also removes the links of its subjects to users
   * and revokes every grant it vouched for (composed above the aggregates, see the admin's
   * `IdentityProviderRemoval`), so a provider created later under the same name inherits nothing.
   */
  async prepareDelete(id: string): Promise<ProviderRemoval> {
    const entity = await this.load(id);
    return {
      step: {
        sql: 'DELETE FROM identity_providers WHERE id = ? AND tenant = ?',
        params: [id, this.context.tenant],
        expect: 'one-row',
        refused: () => OAuthError.notFound(`no identity provider with id ${id}`),
      },
      forget: () => this.evict(entity),
    };
  }

  /** The provider whose assertions carry this `iss` (enabled or not: the grant says which). */
  findByIssuer(issuer: string): Promise<IdentityProviderEntity | undefined> {
    return this.findCached(`iss:${issuer}`, { issuer });
  }

  /** By its unique `name` (what access tokens carry in `idp`). */
  findByName(name: string): Promise<IdentityProviderEntity | undefined> {
    return this.findCached(`name:${name}`, { name });
  }

  findById(id: string): Promise<IdentityProviderEntity | undefined> {
    return this.findCached(`id:${id}`, { id });
  }

  private async findCached(key: string, where: Pick<Partial<IdentityProviderEntity>, 'id' | 'name' | 'issuer'>): Promise<IdentityProviderEntity | undefined> {
    // An assertion's `iss` is anyone's string: one no column can hold is no provider's (never a query error).
    if (!Object.values(where).every((value) => storable(value, 255))) return undefined;
    const cached = this.found.get(this.context.key(key));
    if (cached) return cached;
    const entity = await this.repo.findOneBy({ ...where, tenant: this.context.tenant });
    if (entity) this.found.set(this.context.key(key), entity);
    return entity ?? undefined;
  }

  private evict(entity: IdentityProviderEntity): void {
    for (const key of [`iss:${entity.issuer}`, `name:${entity.name}`, `id:${entity.id}`]) this.found.delete(this.context.key(key));
  }

  /** The `aud` a provider's assertions must name: its alias, by default this server's token endpoint. */
  audienceOf(entity: IdentityProviderEntity): string {
    return entity.alias ?? this.context.tokenEndpoint;
  }

  private async load(id: string): Promise<IdentityProviderEntity> {
    const entity = storable(id, 64) ? await this.repo.findOneBy({ id, tenant: this.context.tenant }) : null;
    if (!entity) throw OAuthError.notFound(`no identity provider with id ${id}`);
    return entity;
  }

  /** What operators see: the alias resolved, so the default shows as the token endpoint URL. */
  private view(entity: IdentityProviderEntity): IdentityProviderView {
    return { id: entity.id, ...inputOf(entity), alias: this.audienceOf(entity), created_at: entity.createdAt, updated_at: entity.updatedAt };
  }
}

function taken(input: IdentityProviderInput): OAuthError {
  return OAuthError.conflict(`an identity provider named "${input.name}" or with issuer "${input.issuer}" exists already`);
}

function tagOf(entity: IdentityProviderEntity): string {
  return entityTag('identity-provider', entity.tenant, entity.id, entity.version);
}

function inputOf(entity: IdentityProviderEntity): IdentityProviderInput {
  return {
    name: entity.name,
    issuer: entity.issuer,
    alias: entity.alias,
    jwks_uri: entity.jwksUri,
    certificate: entity.certificate,
    certificate_alias: entity.certificateAlias,
    enabled: entity.enabled,
    allow_insecure_jwks_uri: entity.allowInsecureJwksUri,
    signing_algs: entity.signingAlgs,
    claim_mappings: entity.claimMappings,
    map_subject_to_user: entity.mapSubjectToUser,
  };
}

function apply(entity: IdentityProviderEntity, input: IdentityProviderInput): void {
  entity.name = input.name;
  entity.issuer = input.issuer;
  entity.alias = input.alias;
  entity.jwksUri = input.jwks_uri;
  entity.certificate = input.certificate;
  entity.certificateAlias = input.certificate_alias;
  entity.enabled = input.enabled;
  entity.allowInsecureJwksUri = input.allow_insecure_jwks_uri;
  entity.signingAlgs = input.signing_algs;
  entity.claimMappings = input.claim_mappings;
  entity.mapSubjectToUser = input.map_subject_to_user;
}
