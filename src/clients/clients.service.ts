import { Injectable } from '@nestjs/common';
import { DEFAULT_TENANT, IssuerContext } from '../common/issuer-context';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { IsNull, Not, Repository } from 'typeorm';
import { cacheSettings } from '../config/cache-settings';
import { OAuthError } from '../common/oauth-error';
import { randomId } from '../common/random-id';
import { TtlCache } from '../common/ttl-cache';
import { entityTag, Tagged } from '../common/entity-tag';
import { StaleVersion, updateVersioned } from '../common/versioned-update';
import { GrantryConfig } from '../config/config.schema';
import { AtomicWriter, WriteStep } from '../database/atomic-writer';
import { changedColumns } from '../database/changed-columns';
import { nowSeconds } from '../database/columns';
import { insertStep, updateStep } from '../database/repository-steps';
import { SecurityService } from '../security/security.service';
import { applyMetadata, ClientView, metadataOf, toView } from './client-mapping';
import { ClientEntity } from './client.entity';
import { ClientMetadata, needsSealedSecret, SECRET_METHODS } from './client-metadata';
import { UnnamedSectorClient, unnamedSectorClients } from './pairwise-sector';
import { RegisteredClient, toRegisteredClient } from './registered-client';

/** Whether a client checks HMACs with its secret (client_secret_jwt, HS* request objects), so keeps a sealed copy at rest. */
const sealsSecret = (entity: Pick<ClientEntity, 'tokenEndpointAuthMethod' | 'requestObjectSigningAlg'>) =>
  needsSealedSecret({ token_endpoint_auth_method: entity.tokenEndpointAuthMethod, request_object_signing_alg: entity.requestObjectSigningAlg });

/** Seconds a lookup of an unknown client_id is remembered (at most the AppInfoCache timeout). */
const MISS_SECONDS = 5;

// Where they were first defined; callers keep importing them from here.
export type { ClientDocument, ClientView } from './client-mapping';
export { documentOf } from './client-mapping';


/** A registration ready to be written by the caller's atomic write, and what to answer once it is. */
export interface PreparedRegistration {
  view: ClientView;
  softwareStatement: string | null;
  /** RFC 7592 registration access token: shown in this answer only. */
  registrationToken: string;
  steps: WriteStep[];
}

/** A client found by its registration access token. */
export interface FoundRegistration {
  view: ClientView;
  metadata: ClientMetadata;
  /** The grant types it holds that an administrator set or approved (the rest its registrant chose). */
  approvedGrantTypes: string[];
  softwareStatement: string | null;
  /** Constant time; false for a client without a secret. */
  secretMatches(secret: string): boolean;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** A client as stored when read, for an administrator's change of it (`update`): the change holds only while this is still the version. */
export interface ClientRevision {
  readonly metadata: ClientMetadata;
  readonly etag: string;
  readonly stored: Readonly<ClientEntity>;
}

/** The client registry: storage, generated credentials, and the cached lookup of the token endpoint. */
@Injectable()
export class ClientsService {
  private readonly cache: TtlCache<string, RegisteredClient>;
  /**
   * client_ids looked up and not found, for a few seconds: an unknown client then costs what a
   * known one does (no database query each time), so timing does not tell them apart. Safe:
   * generated ids cannot be looked up before they exist, so no new client hides behind a miss.
   */
  private readonly misses: TtlCache<string, true>;

  constructor(
    @InjectRepository(ClientEntity) private readonly repo: Repository<ClientEntity>,
    private readonly security: SecurityService,
    config: GrantryConfig,
    private readonly context: IssuerContext,
    private readonly writer: AtomicWriter,
  ) {
    // WSO2 caches OAuth application data under this name.
    const { timeout, capacity } = cacheSettings(config, 'AppInfoCache');
    this.cache = new TtlCache(timeout, capacity);
    this.misses = new TtlCache(Math.min(MISS_SECONDS, timeout), capacity);
  }

  /** `also`: what the caller writes with the INSERT (the audit row), given the new client_id. */
  async create(metadata: ClientMetadata, also: (clientId: string) => readonly WriteStep[] = () => []): Promise<ClientView> {
    this.checkSuperAdminTenant(metadata);
    const now = nowSeconds();
    const entity = this.repo.create({
      clientId: randomId(16), // 128 bits, URL-safe
      tenant: this.context.tenant,
      createdAt: now,
      updatedAt: now,
      secretDigest: null,
      sealedSecret: null,
      registrantGrantTypes: null, // an administrator's client: every grant type it holds is theirs
      version: 1,
    });
    applyMetadata(entity, metadata);
    const secret = SECRET_METHODS.has(metadata.token_endpoint_auth_method) ? this.setNewSecret(entity) : undefined;
    await this.writer.commit([this.insertStep(entity), ...also(entity.clientId)]);
    return toView(entity, secret);
  }

  private insertStep(entity: ClientEntity): WriteStep {
    return insertStep(this.repo, entity);
  }

  /**
   * RFC 7591: a client registering itself, written by the caller's atomic write (with the use of
   * its initial access token). Holds a registration access token (RFC 7592), kept as a digest.
   */
  prepareRegistration(metadata: ClientMetadata, softwareStatement: string | null): PreparedRegistration {
    const now = nowSeconds();
    const entity = this.repo.create({ clientId: randomId(16), tenant: this.context.tenant, createdAt: now, updatedAt: now, secretDigest: null, sealedSecret: null, version: 1 });
    applyMetadata(entity, metadata);
    entity.registrantGrantTypes = metadata.grant_types; // every one the registrant's choice, until an administrator saves the client
    entity.softwareStatement = softwareStatement;
    const secret = SECRET_METHODS.has(metadata.token_endpoint_auth_method) ? this.setNewSecret(entity) : undefined;
    const registrationToken = randomId(32);
    entity.registrationTokenDigest = this.registrationDigest(registrationToken);
    return { view: toView(entity, secret), softwareStatement, registrationToken, steps: [this.insertStep(entity)] };
  }

  /**
   * RFC 7592 §2: the client whose registration access token this is. Unknown client, a client
   * without one (made by the admin API or CLI) and a wrong token are one answer: 401 invalid_token.
   */
  async findRegistration(clientId: string, token: string): Promise<FoundRegistration> {
    const entity = await this.find(clientId);
    const presented = Buffer.from(this.registrationDigest(token));
    const stored = Buffer.from(entity?.registrationTokenDigest ?? '');
    // Constant time: the digest of a wrong token must not reveal how much of it matched.
    if (!entity || presented.length !== stored.length || !timingSafeEqual(presented, stored)) {
      throw OAuthError.invalidToken('the registration access token is invalid', { detail: entity ? 'registration access token mismatch' : 'unknown client' });
    }
    const secretDigest = entity.secretDigest;
    return {
      view: toView(entity),
      metadata: metadataOf(entity),
      approvedGrantTypes: approvedGrantTypes(entity),
      softwareStatement: entity.softwareStatement,
      secretMatches: (secret) => secretDigest !== null && this.security.secretMatches(secret, secretDigest),
    };
  }

  /**
   * RFC 7592 §2.2: replaces the metadata and rotates the registration access token in one
   * conditional UPDATE on the old token's digest, so the old token stops working at once and
   * two updates racing with one token leave one winner. `newSecret` issues a new client secret;
   * otherwise the secret stays (one is issued only where the method needs one it lacks).
   */
  async prepareReregistration(clientId: string, token: string, metadata: ClientMetadata, options: { newSecret: boolean; softwareStatement: string | null }): Promise<PreparedRegistration> {
    const entity = await this.find(clientId);
    if (!entity) throw OAuthError.invalidToken('the registration access token is invalid', { detail: 'unknown client' });
    const oldDigest = this.registrationDigest(token);
    // What an administrator approved stays approved while the client keeps it; what is new is the registrant's choice.
    const approved = approvedGrantTypes(entity);
    entity.registrantGrantTypes = metadata.grant_types.filter((grantType) => !approved.includes(grantType));
    const secret = this.applyUpdate(entity, metadata, options.newSecret);
    entity.softwareStatement = options.softwareStatement;
    const registrationToken = randomId(32);
    entity.registrationTokenDigest = this.registrationDigest(registrationToken);
    const { clientId: _id, tenant: _tenant, createdAt: _created, version: _version, ...changes } = entity;
    const [sql, params] = this.repo
      .createQueryBuilder()
      .update(ClientEntity)
      .set({ ...changes, version: () => 'version + 1' })
      .where('client_id = :clientId AND tenant = :tenant AND registration_token_digest = :oldDigest', { clientId, tenant: this.context.tenant, oldDigest })
      .getQueryAndParameters();
    const refused = () => OAuthError.invalidToken('the registration access token is invalid', { detail: 'registration access token already rotated' });
    return { view: toView(entity, secret), softwareStatement: entity.softwareStatement, registrationToken, steps: [{ sql, params, expect: 'one-row', refused }] };
  }

  /**
   * RFC 7592 §2.3: the DELETE of a client that holds only while the registration access token is
   * still the client's — for the atomic write that also revokes its grants; `forget` it after.
   */
  deleteRegistrationStep(clientId: string, token: string): WriteStep {
    const refused = (detail: string) => () => OAuthError.invalidToken('the registration access token is invalid', { detail });
    if (!plausibleClientId(clientId)) throw refused('unknown client')();
    return {
      sql: 'DELETE FROM clients WHERE client_id = ? AND tenant = ? AND registration_token_digest = ?',
      params: [clientId, this.context.tenant, this.registrationDigest(token)],
      expect: 'one-row',
      refused: refused('registration access token mismatch'),
    };
  }

  /** After a registration's atomic write: the token endpoint must see the new metadata at once. */
  forget(clientId: string): void {
    this.cache.delete(this.context.key(clientId));
    this.misses.delete(this.context.key(clientId));
  }

  private registrationDigest(token: string): string {
    return this.security.keyedDigest('registration-access-token', token);
  }

  async list(limit: number, offset: number): Promise<Page<ClientView>> {
    const [rows, total] = await this.repo.findAndCount({
      where: { tenant: this.context.tenant },
      order: { createdAt: 'ASC', clientId: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items: rows.map((row) => toView(row)), total };
  }

  async get(clientId: string): Promise<ClientView> {
    return toView(await this.load(clientId));
  }

  /** The client and the strong ETag of its stored version (admin API GET). */
  async getTagged(clientId: string): Promise<Tagged<ClientView>> {
    const entity = await this.load(clientId);
    return { view: toView(entity), etag: this.tagOf(entity) };
  }

  /** The client as stored now, for `update`. */
  async revision(clientId: string): Promise<ClientRevision> {
    const entity = await this.load(clientId);
    return { metadata: metadataOf(entity), etag: this.tagOf(entity), stored: entity };
  }

  /**
   * Replaces the metadata (already merged over `revision` and validated by the caller): an
   * administrator's save (admin API, CLI), which approves every grant type the client holds. One
   * UPDATE of the changed columns, conditional on the version read: StaleVersion when the client
   * changed since (see `updateVersioned`). `also`: what the caller writes with it (the audit row).
   */
  async update(revision: ClientRevision, metadata: ClientMetadata, also: readonly WriteStep[] = []): Promise<Tagged<ClientView>> {
    this.checkSuperAdminTenant(metadata);
    const entity: ClientEntity = { ...revision.stored };
    const secret = this.applyUpdate(entity, metadata, false);
    entity.registrantGrantTypes = null;
    await this.writer.commit([this.versionedUpdateStep(revision.stored, entity), ...also]);
    this.cache.delete(this.context.key(entity.clientId));
    entity.version = revision.stored.version + 1;
    return { view: toView(entity, secret), etag: this.tagOf(entity) };
  }

  /**
   * `super_admin` means something only in the default tenant: the super-admin's token is checked
   * there (admin-token.guard.ts). Elsewhere it would be a flag that grants nothing, or — were the
   * guard ever to read it there — a tenant administrator's way into every tenant: refused.
   */
  private checkSuperAdminTenant(metadata: ClientMetadata): void {
    if (metadata.super_admin && this.context.tenant !== DEFAULT_TENANT) {
      throw OAuthError.invalidClientMetadata(`super_admin is only for clients of the default tenant ${DEFAULT_TENANT}`);
    }
  }

  /** The columns `next` changes of `stored`, written only while the client is still at `stored`'s version. */
  private versionedUpdateStep(stored: Readonly<ClientEntity>, next: ClientEntity): WriteStep {
    return updateStep(
      this.repo,
      { ...changedColumns<ClientEntity>(stored, next), version: () => 'version + 1' },
      'client_id = :clientId AND tenant = :tenant AND version = :version',
      { clientId: stored.clientId, tenant: stored.tenant, version: stored.version },
      { expect: 'one-row', refused: () => new StaleVersion() },
    );
  }

  private tagOf(entity: ClientEntity): string {
    return entityTag('client', entity.tenant, entity.clientId, entity.version);
  }

  /** Applies new metadata; returns the new secret when one was issued (shown once). */
  private applyUpdate(entity: ClientEntity, metadata: ClientMetadata, newSecret: boolean): string | undefined {
    const hadSecret = SECRET_METHODS.has(entity.tokenEndpointAuthMethod);
    applyMetadata(entity, metadata);
    entity.updatedAt = nowSeconds();
    // Moving to a secret-based method issues a secret (shown once); moving away drops it. Moving
    // to client_secret_jwt (or to HS* request objects) needs the secret back, which only its digest was kept of: a new one.
    if (SECRET_METHODS.has(metadata.token_endpoint_auth_method)) {
      const needsSealedCopy = needsSealedSecret(metadata) && !entity.sealedSecret;
      if (newSecret || !hadSecret || !entity.secretDigest || needsSealedCopy) return this.setNewSecret(entity);
      if (!needsSealedSecret(metadata)) entity.sealedSecret = null;
    } else {
      entity.secretDigest = null;
      entity.sealedSecret = null;
    }
    return undefined;
  }

  /**
   * A new secret, written only to the client of this tenant at the version read (whether it needs
   * a sealed copy depends on its method, which must not have changed meanwhile). `also`: what the
   * caller writes with it (the audit row).
   */
  rotateSecret(clientId: string, also: readonly WriteStep[] = [], mayChange: (client: ClientView) => void = () => undefined): Promise<Tagged<ClientView>> {
    return updateVersioned(undefined, async () => {
      const stored = await this.load(clientId);
      // On the version the write is conditional on: what is checked is what is changed.
      mayChange(toView(stored));
      if (!SECRET_METHODS.has(stored.tokenEndpointAuthMethod)) {
        throw OAuthError.invalidRequest(`a ${stored.tokenEndpointAuthMethod} client has no secret`);
      }
      const entity: ClientEntity = { ...stored };
      const secret = this.setNewSecret(entity);
      entity.updatedAt = nowSeconds();
      await this.writer.commit([this.versionedUpdateStep(stored, entity), ...also]);
      this.cache.delete(this.context.key(clientId));
      entity.version = stored.version + 1;
      return { view: toView(entity, secret), etag: this.tagOf(entity) };
    });
  }

  /** The DELETE of a client (admin API, CLI), for the atomic write that also revokes its grants; `forget` it after. */
  deleteStep(clientId: string): WriteStep {
    const refused = () => OAuthError.notFound(`no client with client_id ${clientId}`);
    if (!plausibleClientId(clientId)) throw refused();
    return { sql: 'DELETE FROM clients WHERE client_id = ? AND tenant = ?', params: [clientId, this.context.tenant], expect: 'one-row', refused };
  }

  /**
   * The DELETE of a client that is not a super-admin (an admin API caller that is not one deletes
   * only such clients): conditional on the flag at the moment of the write, so a client made a
   * super-admin after the caller looked is not deleted by it.
   */
  deleteStepUnlessSuperAdmin(clientId: string): WriteStep {
    const refused = () => OAuthError.notFound(`no client with client_id ${clientId}`);
    if (!plausibleClientId(clientId)) throw refused();
    return {
      sql: 'DELETE FROM clients WHERE client_id = ? AND tenant = ? AND NOT super_admin',
      params: [clientId, this.context.tenant],
      expect: 'one-row',
      refused: () => OAuthError.insufficientScope(`client ${clientId} is a super-admin (or is gone): only a super-admin's token may delete a super-admin`),
    };
  }

  /**
   * Every client (of every tenant) whose registrant chose some of its grant types and no
   * administrator has saved since, for the start-up check of `[oauth.registration] allowed_grant_types`.
   */
  async withRegistrantGrantTypes(): Promise<{ clientId: string; registrantGrantTypes: string[] }[]> {
    const rows = await this.repo.find({ select: { clientId: true, registrantGrantTypes: true }, where: { registrantGrantTypes: Not(IsNull()) }, order: { clientId: 'ASC' } });
    return rows.map(({ clientId, registrantGrantTypes }) => ({ clientId, registrantGrantTypes: registrantGrantTypes ?? [] }));
  }

  /** Every pairwise client (of every tenant) whose sector its redirect URIs cannot name, for the start-up warning. */
  async withUnnamedSectors(): Promise<UnnamedSectorClient[]> {
    const rows = await this.repo.find({ select: { clientId: true, redirectUris: true }, where: { subjectType: 'pairwise', sectorIdentifierUri: IsNull() }, order: { clientId: 'ASC' } });
    return unnamedSectorClients(rows.map(({ clientId, redirectUris }) => ({ clientId, subject_type: 'pairwise', sector_identifier_uri: null, redirect_uris: redirectUris })));
  }

  /** The token endpoint's lookup: cached, positive answers only. */
  async findForAuthentication(clientId: string): Promise<RegisteredClient | undefined> {
    const key = this.context.key(clientId);
    const cached = this.cache.get(key);
    if (cached) return cached;
    if (this.misses.get(key)) return undefined;
    const entity = await this.find(clientId);
    if (!entity) {
      this.misses.set(key, true);
      return undefined;
    }
    const client = toRegisteredClient(entity);
    this.cache.set(this.context.key(clientId), client);
    return client;
  }

  /** The plaintext secret, for checking a client_secret_jwt HMAC. */
  revealSecret(client: RegisteredClient): string | undefined {
    return client.sealedSecret ? this.security.box.open(client.sealedSecret, secretContext(client.clientId)) : undefined;
  }

  private async load(clientId: string): Promise<ClientEntity> {
    const entity = await this.find(clientId);
    if (!entity) throw OAuthError.notFound(`no client with client_id ${clientId}`);
    return entity;
  }

  /** An id with control characters is no client's (PostgreSQL refuses NUL in text outright: a 500). */
  private async find(clientId: string): Promise<ClientEntity | null> {
    return plausibleClientId(clientId) ? this.repo.findOneBy({ clientId, tenant: this.context.tenant }) : null;
  }

  /**
   * 256 random bits, base64url: URL-safe, so Basic's percent-encoding never changes it. Kept as
   * a keyed digest; a sealed (decryptable) copy only for a client that must compute an HMAC with
   * the secret itself (client_secret_jwt, HS* request objects).
   */
  private setNewSecret(entity: ClientEntity): string {
    const secret = randomBytes(32).toString('base64url');
    entity.secretDigest = this.security.digestSecret(secret);
    entity.sealedSecret = sealsSecret(entity) ? this.security.box.seal(secret, secretContext(entity.clientId)) : null;
    return secret;
  }
}

/** The grant types of a client that an administrator set or approved: all of them unless its registrant chose some. */
function approvedGrantTypes(entity: ClientEntity): string[] {
  const chosen = entity.registrantGrantTypes ?? [];
  return entity.grantTypes.filter((grantType) => !chosen.includes(grantType));
}

function plausibleClientId(clientId: string): boolean {
  return !/[\x00-\x1F\x7F]/.test(clientId);
}

function secretContext(clientId: string): string {
  return `client-secret:${clientId}`;
}

