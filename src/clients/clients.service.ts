import { Injectable } from '@nestjs/common';
import { IssuerContext } from '../common/issuer-context';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { cacheSettings } from '../common/cache-settings';
import { OAuthError } from '../common/oauth-error';
import { randomId } from '../common/random-id';
import { TtlCache } from '../common/ttl-cache';
import { GrantryConfig } from '../config/config.schema';
import { nowSeconds } from '../database/columns';
import { SecurityService } from '../security/security.service';
import { ClientEntity, DisplayMetadata } from './client.entity';
import { ClientMetadata, SECRET_METHODS } from './client-metadata';
import { RegisteredClient, toRegisteredClient } from './registered-client';

/** The one method that needs the secret itself (RFC 7523 HMAC), so the only one with a sealed copy at rest. */
const SEALED_SECRET_METHOD = 'client_secret_jwt';

/** Seconds a lookup of an unknown client_id is remembered (at most the AppInfoCache timeout). */
const MISS_SECONDS = 5;

/** Metadata as JSON shows it: `localized` spread into `client_name#fr`-style fields. */
export type ClientDocument = Omit<ClientMetadata, 'localized'> & { [tagged: `${string}#${string}`]: string };

/** What the admin API and CLI show; `client_secret` only in the answer that created or rotated it. */
export type ClientView = ClientDocument & {
  client_id: string;
  client_id_issued_at: number;
  updated_at: number;
  client_secret?: string;
  client_secret_expires_at?: number;
};

export interface Page<T> {
  items: T[];
  total: number;
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
  ) {
    // WSO2 caches OAuth application data under this name.
    const { timeout, capacity } = cacheSettings(config, 'AppInfoCache');
    this.cache = new TtlCache(timeout, capacity);
    this.misses = new TtlCache(Math.min(MISS_SECONDS, timeout), capacity);
  }

  async create(metadata: ClientMetadata): Promise<ClientView> {
    const now = nowSeconds();
    const entity = this.repo.create({
      clientId: randomId(16), // 128 bits, URL-safe
      tenant: this.context.tenant,
      createdAt: now,
      updatedAt: now,
      secretDigest: null,
      sealedSecret: null,
    });
    applyMetadata(entity, metadata);
    const secret = SECRET_METHODS.has(metadata.token_endpoint_auth_method) ? this.setNewSecret(entity) : undefined;
    await this.repo.insert(entity);
    return toView(entity, secret);
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

  async metadata(clientId: string): Promise<ClientMetadata> {
    return metadataOf(await this.load(clientId));
  }

  /** Replaces the metadata (already merged and validated by the caller). */
  async update(clientId: string, metadata: ClientMetadata): Promise<ClientView> {
    const entity = await this.load(clientId);
    const hadSecret = SECRET_METHODS.has(entity.tokenEndpointAuthMethod);
    applyMetadata(entity, metadata);
    entity.updatedAt = nowSeconds();
    // Moving to a secret-based method issues a secret (shown once); moving away drops it. Moving
    // to client_secret_jwt needs the secret back, which only its digest was kept of: a new one.
    let secret: string | undefined;
    if (SECRET_METHODS.has(metadata.token_endpoint_auth_method)) {
      const needsSealedCopy = metadata.token_endpoint_auth_method === SEALED_SECRET_METHOD && !entity.sealedSecret;
      if (!hadSecret || !entity.secretDigest || needsSealedCopy) secret = this.setNewSecret(entity);
      else if (metadata.token_endpoint_auth_method !== SEALED_SECRET_METHOD) entity.sealedSecret = null;
    } else {
      entity.secretDigest = null;
      entity.sealedSecret = null;
    }
    await this.repo.save(entity);
    this.cache.delete(this.context.key(clientId));
    return toView(entity, secret);
  }

  async rotateSecret(clientId: string): Promise<ClientView> {
    const entity = await this.load(clientId);
    if (!SECRET_METHODS.has(entity.tokenEndpointAuthMethod)) {
      throw OAuthError.invalidRequest(`a ${entity.tokenEndpointAuthMethod} client has no secret`);
    }
    const secret = this.setNewSecret(entity);
    entity.updatedAt = nowSeconds();
    await this.repo.update({ clientId }, { secretDigest: entity.secretDigest, sealedSecret: entity.sealedSecret, updatedAt: entity.updatedAt });
    this.cache.delete(this.context.key(clientId));
    return toView(entity, secret);
  }

  async delete(clientId: string): Promise<void> {
    const result = await this.repo.delete({ clientId, tenant: this.context.tenant });
    this.cache.delete(this.context.key(clientId));
    if (!result.affected) throw OAuthError.notFound(`no client with client_id ${clientId}`);
  }

  /** The token endpoint's lookup: cached, positive answers only. */
  async findForAuthentication(clientId: string): Promise<RegisteredClient | undefined> {
    const key = this.context.key(clientId);
    const cached = this.cache.get(key);
    if (cached) return cached;
    if (this.misses.get(key)) return undefined;
    const entity = await this.repo.findOneBy({ clientId, tenant: this.context.tenant });
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
    const entity = await this.repo.findOneBy({ clientId, tenant: this.context.tenant });
    if (!entity) throw OAuthError.notFound(`no client with client_id ${clientId}`);
    return entity;
  }

  /**
   * 256 random bits, base64url: URL-safe, so Basic's percent-encoding never changes it. Kept as
   * a keyed digest; a sealed (decryptable) copy only for client_secret_jwt, which must compute
   * an HMAC with the secret itself.
   */
  private setNewSecret(entity: ClientEntity): string {
    const secret = randomBytes(32).toString('base64url');
    entity.secretDigest = this.security.digestSecret(secret);
    entity.sealedSecret = entity.tokenEndpointAuthMethod === SEALED_SECRET_METHOD ? this.security.box.seal(secret, secretContext(entity.clientId)) : null;
    return secret;
  }
}

function secretContext(clientId: string): string {
  return `client-secret:${clientId}`;
}

function applyMetadata(entity: ClientEntity, metadata: ClientMetadata): void {
  entity.clientName = metadata.client_name;
  entity.grantTypes = metadata.grant_types;
  entity.tokenEndpointAuthMethod = metadata.token_endpoint_auth_method;
  entity.scope = metadata.scope;
  entity.redirectUris = metadata.redirect_uris;
  entity.responseTypes = metadata.response_types;
  entity.jwks = metadata.jwks;
  entity.jwksUri = metadata.jwks_uri;
  entity.tokenEndpointAuthSigningAlg = metadata.token_endpoint_auth_signing_alg;
  entity.accessTokenFormat = metadata.access_token_format;
  entity.audience = metadata.audience;
  entity.introspectAny = metadata.introspect_any;
  entity.postLogoutRedirectUris = metadata.post_logout_redirect_uris;
  entity.applicationType = metadata.application_type;
  entity.subjectType = metadata.subject_type;
  entity.sectorIdentifierUri = metadata.sector_identifier_uri;
  entity.defaultMaxAge = metadata.default_max_age;
  entity.requireAuthTime = metadata.require_auth_time;
  entity.idTokenSignedResponseAlg = metadata.id_token_signed_response_alg;
  entity.idTokenEncryptedResponseAlg = metadata.id_token_encrypted_response_alg;
  entity.idTokenEncryptedResponseEnc = metadata.id_token_encrypted_response_enc;
  entity.userinfoSignedResponseAlg = metadata.userinfo_signed_response_alg;
  entity.userinfoEncryptedResponseAlg = metadata.userinfo_encrypted_response_alg;
  entity.userinfoEncryptedResponseEnc = metadata.userinfo_encrypted_response_enc;
  const display: DisplayMetadata = {
    client_uri: metadata.client_uri,
    logo_uri: metadata.logo_uri,
    policy_uri: metadata.policy_uri,
    tos_uri: metadata.tos_uri,
    contacts: metadata.contacts,
    software_id: metadata.software_id,
    software_version: metadata.software_version,
    localized: metadata.localized,
  };
  entity.displayMetadata = display;
}

function metadataOf(entity: ClientEntity): ClientMetadata {
  const display = entity.displayMetadata ?? {};
  return {
    client_name: entity.clientName,
    grant_types: entity.grantTypes,
    token_endpoint_auth_method: entity.tokenEndpointAuthMethod,
    scope: entity.scope,
    redirect_uris: entity.redirectUris,
    response_types: entity.responseTypes,
    jwks: entity.jwks,
    jwks_uri: entity.jwksUri,
    token_endpoint_auth_signing_alg: entity.tokenEndpointAuthSigningAlg,
    access_token_format: entity.accessTokenFormat as ClientMetadata['access_token_format'],
    audience: entity.audience,
    introspect_any: entity.introspectAny === true,
    post_logout_redirect_uris: entity.postLogoutRedirectUris ?? [],
    application_type: entity.applicationType === 'native' ? 'native' : 'web',
    subject_type: entity.subjectType === 'pairwise' ? 'pairwise' : 'public',
    sector_identifier_uri: entity.sectorIdentifierUri,
    default_max_age: entity.defaultMaxAge,
    require_auth_time: entity.requireAuthTime === true,
    id_token_signed_response_alg: entity.idTokenSignedResponseAlg ?? null,
    id_token_encrypted_response_alg: entity.idTokenEncryptedResponseAlg ?? null,
    id_token_encrypted_response_enc: entity.idTokenEncryptedResponseEnc ?? null,
    userinfo_signed_response_alg: entity.userinfoSignedResponseAlg ?? null,
    userinfo_encrypted_response_alg: entity.userinfoEncryptedResponseAlg ?? null,
    userinfo_encrypted_response_enc: entity.userinfoEncryptedResponseEnc ?? null,
    client_uri: display.client_uri ?? null,
    logo_uri: display.logo_uri ?? null,
    policy_uri: display.policy_uri ?? null,
    tos_uri: display.tos_uri ?? null,
    contacts: display.contacts ?? [],
    software_id: display.software_id ?? null,
    software_version: display.software_version ?? null,
    localized: display.localized ?? {},
  };
}

/** The wire document: language variants (`client_name#fr`) are fields of their own, as they were sent. */
export function documentOf(metadata: ClientMetadata): ClientDocument {
  const { localized, ...fields } = metadata;
  return { ...fields, ...localized };
}

function toView(entity: ClientEntity, secret?: string): ClientView {
  return {
    client_id: entity.clientId,
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    ...documentOf(metadataOf(entity)),
    client_id_issued_at: entity.createdAt,
    updated_at: entity.updatedAt,
  };
}
