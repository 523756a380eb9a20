import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { OAuthError } from '../../common/oauth-error';
import { TokenSettings } from '../../config/config.schema';
import { DEFAULT_TENANT, nowSeconds } from '../../database/columns';
import { RefreshTokenEntity } from './refresh-token.entity';
import { hashToken } from './token-hash';

export interface RefreshGrant {
  clientId: string;
  subject: string;
  scopes: string[];
  audience: string[];
  claims: Record<string, unknown>;
  familyId: string;
}

/**
 * Refresh tokens under rotation (RFC 9700 §4.14.2): each use consumes the token in one
 * conditional UPDATE — of concurrent uses exactly one succeeds, on every database and
 * instance — and a second use of a consumed token revokes its whole family.
 */
@Injectable()
export class RefreshTokenStore {
  private readonly logger = new Logger(RefreshTokenStore.name);

  constructor(
    @InjectRepository(RefreshTokenEntity) private readonly repo: Repository<RefreshTokenEntity>,
    private readonly settings: TokenSettings,
  ) {}

  /** A new refresh token; `familyId` continues a rotation, none starts one. */
  async issue(grant: Omit<RefreshGrant, 'familyId'> & { familyId?: string }): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = nowSeconds();
    const row: RefreshTokenEntity = {
      tokenHash: hashToken(token),
      tenant: DEFAULT_TENANT,
      familyId: grant.familyId ?? randomBytes(16).toString('base64url'),
      clientId: grant.clientId,
      subject: grant.subject,
      scope: grant.scopes.join(' '),
      audience: grant.audience,
      claims: grant.claims,
      createdAt: now,
      expiresAt: now + this.settings.refresh_token_ttl,
      consumedAt: null,
      revokedAt: null,
    };
    await this.repo.insert(row);
    return token;
  }

  /** Consumes the token for `clientId`, or fails with invalid_grant; a replay revokes the family. */
  async redeem(token: string, clientId: string): Promise<RefreshGrant> {
    const tokenHash = hashToken(token);
    const now = nowSeconds();
    // The decision: one conditional UPDATE. affected === 1 means this request, and only it, won.
    const result = await this.repo.update(
      { tokenHash, clientId, consumedAt: IsNull(), revokedAt: IsNull(), expiresAt: MoreThan(now) },
      { consumedAt: now },
    );
    if (result.affected === undefined) throw new Error('the database driver did not report affected rows');
    const row = await this.repo.findOneBy({ tokenHash });
    if (result.affected === 1 && row) {
      return {
        clientId: row.clientId,
        subject: row.subject,
        scopes: row.scope.split(' ').filter(Boolean),
        audience: row.audience,
        claims: row.claims as Record<string, unknown>,
        familyId: row.familyId,
      };
    }
    if (row && row.clientId === clientId && row.consumedAt !== null && row.revokedAt === null) {
      // A rotated token came back: it leaked (or a client replayed it). Nothing of this grant is trusted now.
      await this.repo.update({ familyId: row.familyId, revokedAt: IsNull() }, { revokedAt: now });
      this.logger.warn(`refresh token reuse by client ${clientId}: family revoked`);
    }
    throw OAuthError.invalidGrant('refresh_token is invalid, expired, revoked or already used');
  }
}
