import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { IssuerContext } from '../../common/issuer-context';
import { OAuthError } from '../../common/oauth-error';
import { randomUUID } from 'node:crypto';
import { randomId } from '../../common/random-id';
import { nowSeconds } from '../../database/columns';
import { AtomicWriter, WriteStep } from '../../database/atomic-writer';
import { insertStep } from '../../database/repository-steps';
import { SecurityService } from '../../security/security.service';
import { InitialAccessTokenEntity } from './initial-access-token.entity';

/** DESIGN.md: without `expires_in` an initial access token lives 24 hours. */
export const DEFAULT_INITIAL_ACCESS_TOKEN_SECONDS = 24 * 3600;
const DIGEST_PURPOSE = 'initial-access-token';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface InitialAccessTokenRequest {
  expires_in?: number;
  max_uses?: number;
}

/** What the admin API and CLI show of a token: never the token itself. */
export interface InitialAccessTokenView {
  id: string;
  /** Epoch seconds. */
  created_at: number;
  /** Epoch seconds. */
  expires_at: number;
  max_uses: number | null;
  uses: number;
}

export interface IssuedInitialAccessToken {
  id: string;
  initial_access_token: string;
  /** Epoch seconds. */
  expires_at: number;
  max_uses: number | null;
}

/**
 * Initial access tokens (RFC 7591 §3): issued by the admin API and CLI, multi-use until they
 * expire unless `max_uses` is set. A use is counted only by `useStep`, a conditional UPDATE that
 * runs in the same atomic write as the client's INSERT: a refused registration counts nothing,
 * and two registrations racing for the last use get one client between them.
 */
@Injectable()
export class InitialAccessTokens {
  constructor(
    @InjectRepository(InitialAccessTokenEntity) private readonly repo: Repository<InitialAccessTokenEntity>,
    private readonly security: SecurityService,
    private readonly context: IssuerContext,
    private readonly writer: AtomicWriter,
  ) {}

  /** `also`: what the caller writes with the INSERT (the audit row), given the new token's view — never the token. */
  async issue(request: unknown, also: (created: InitialAccessTokenView) => readonly WriteStep[] = () => []): Promise<IssuedInitialAccessToken> {
    const { expires_in, max_uses } = parseRequest(request);
    const token = randomId(32);
    const now = nowSeconds();
    const entity = this.repo.create({
      tokenDigest: this.security.keyedDigest(DIGEST_PURPOSE, token),
      id: randomUUID(),
      tenant: this.context.tenant,
      createdAt: now,
      expiresAt: now + (expires_in ?? DEFAULT_INITIAL_ACCESS_TOKEN_SECONDS),
      maxUses: max_uses ?? null,
      uses: 0,
    });
    await this.writer.commit([insertStep(this.repo, entity), ...also(toView(entity))]);
    return { id: entity.id, initial_access_token: token, expires_at: entity.expiresAt, max_uses: entity.maxUses };
  }

  /** The tenant's tokens, oldest first, paged like the other admin lists. */
  async list(limit: number, offset: number): Promise<{ items: InitialAccessTokenView[]; total: number }> {
    const [rows, total] = await this.repo.findAndCount({ where: { tenant: this.context.tenant }, order: { createdAt: 'ASC', id: 'ASC' }, take: limit, skip: offset });
    return { items: rows.map(toView), total };
  }

  async get(id: string): Promise<InitialAccessTokenView> {
    const entity = UUID.test(id) ? await this.repo.findOneBy({ id, tenant: this.context.tenant }) : null;
    if (!entity) throw notFound(id);
    return toView(entity);
  }

  /**
   * Revoked by deleting it: the next registration presenting it gets 401 invalid_token. `also`:
   * what the caller writes with the DELETE (the audit row); not written for an unknown id (404).
   */
  async revoke(id: string, also: readonly WriteStep[] = []): Promise<void> {
    // Not an id we issue (NUL and the like would be a 500 on PostgreSQL): nothing to delete.
    if (!UUID.test(id)) throw notFound(id);
    await this.writer.commit([{ sql: 'DELETE FROM initial_access_tokens WHERE id = ? AND tenant = ?', params: [id, this.context.tenant], expect: 'one-row', refused: () => notFound(id) }, ...also]);
  }

  /**
   * Refuses a token that is unknown, expired or used up before any other work. Only a check:
   * the use itself is `useStep`, which decides again under the write.
   */
  async check(token: string): Promise<void> {
    const entity = await this.repo.findOneBy({ tokenDigest: this.security.keyedDigest(DIGEST_PURPOSE, token), tenant: this.context.tenant });
    if (!entity) throw invalid('unknown initial access token');
    if (entity.expiresAt <= nowSeconds()) throw invalid('initial access token expired');
    if (entity.maxUses !== null && entity.uses >= entity.maxUses) throw invalid('initial access token used up');
  }

  /** The one statement that counts a use; it changes no row once the token expired or is used up. */
  useStep(token: string): WriteStep {
    return {
      sql: 'UPDATE initial_access_tokens SET uses = uses + 1 WHERE token_digest = ? AND tenant = ? AND expires_at > ? AND (max_uses IS NULL OR uses < max_uses)',
      params: [this.security.keyedDigest(DIGEST_PURPOSE, token), this.context.tenant, nowSeconds()],
      expect: 'one-row',
      refused: () => invalid('initial access token expired or used up'),
    };
  }

  /** For tests and operators: how many registrations a token has counted. */
  async usesOf(token: string): Promise<number | undefined> {
    return (await this.repo.findOneBy({ tokenDigest: this.security.keyedDigest(DIGEST_PURPOSE, token) }))?.uses;
  }
}

function toView(entity: InitialAccessTokenEntity): InitialAccessTokenView {
  return { id: entity.id, created_at: entity.createdAt, expires_at: entity.expiresAt, max_uses: entity.maxUses, uses: entity.uses };
}

function notFound(id: string): OAuthError {
  return OAuthError.notFound(`no initial access token with id ${id}`);
}

/** RFC 6750 §3.1: the token is wrong; which way goes to the log only. */
function invalid(detail: string): OAuthError {
  return OAuthError.invalidToken('the initial access token is invalid, expired or used up', { detail });
}

function parseRequest(request: unknown): InitialAccessTokenRequest {
  const body = (request ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) throw OAuthError.invalidRequest('the request body must be a JSON object');
  for (const field of Object.keys(body)) {
    if (field !== 'expires_in' && field !== 'max_uses') throw OAuthError.invalidRequest(`unknown field ${field}`);
  }
  const positive = (field: 'expires_in' | 'max_uses', max: number): number | undefined => {
    const value = body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
      throw OAuthError.invalidRequest(`${field} must be a whole number from 1 to ${max}`);
    }
    return value;
  };
  // A year at most: a registration credential that never ends is a standing invitation.
  return { expires_in: positive('expires_in', 366 * 24 * 3600), max_uses: positive('max_uses', 1_000_000) };
}
