import type { ClientCertificate } from '../../common/connection/client-certificate';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { KeyedRead } from '../../database/keyed-read';
import { randomToken } from '../../common/random-pool';
import { Repository } from 'typeorm';
import { IssuerContext } from '../../common/issuer-context';
import { OAuthError, ReasonCode } from '../../common/oauth-error';
import type { WriteStep } from '../../database/atomic-writer';
import { nowSeconds } from '../../database/columns';
import { bearerRefusal, confirmationOf, senderConstraintOf, type SenderConstraint } from '../core/sender-constraint';
import { GrantRecordEntity } from '../grant-records/grant-record.entity';
import { GrantRecords } from '../grant-records/grant-records';
import { RefreshTokenEntity } from './refresh-token.entity';
import { hashToken } from './token-hash';

const refused = (reason: ReasonCode = 'grant_refresh_token_invalid', detail?: string) => OAuthError.invalidGrant('refresh_token is invalid, expired, revoked or already used', { reason, detail });

/** A refresh token presented by its client, found and checked but not yet consumed. */
export interface PresentedRefreshToken {
  record: GrantRecordEntity;
  /** The statement that consumes it; the endpoint commits it last, with the rotated token. */
  redemption: WriteStep;
  /** RFC 9449 §5: the DPoP key a public client's refresh token is bound to; the token endpoint demands a proof of it. */
  dpopJkt?: string;
}

/**
 * Refresh tokens under rotation (RFC 9700 §4.14.2). Each belongs to a grant record. A use is
 * decided in two steps: `present` reads and checks (consuming nothing, so a request refused
 * later — a scope, a resource — leaves the token valid); the endpoint then commits the
 * redemption, one conditional UPDATE that also requires the grant to be live, with the token
 * that replaces it. A second use of a consumed token revokes the grant, which ends every token
 * of it: the one rotated in by a concurrent winner too, since every use reads the grant.
 */
@Injectable()
export class RefreshTokenStore {
  private readonly byHash: KeyedRead<RefreshTokenEntity, 'tokenHash' | 'tenant'>;

  constructor(
    @InjectRepository(RefreshTokenEntity) private readonly repo: Repository<RefreshTokenEntity>,
    private readonly records: GrantRecords,
    private readonly context: IssuerContext,
  ) {
    this.byHash = new KeyedRead(repo, ['tokenHash', 'tenant']);
  }

  /**
   * The grant behind `token` when `clientId` may use it now; invalid_grant otherwise. `certificate`:
   * the request's client certificate (a certificate-bound token needs it). `rotate` false (FAPI 2
   * for confidential clients): the token stays usable, and the redemption only checks, in the same
   * commit as the new access token, that it still is.
   */
  async present(token: string, clientId: string, { rotate = true, certificate }: { rotate?: boolean; certificate?: ClientCertificate } = {}): Promise<PresentedRefreshToken> {
    if (token.length > 512) throw refused();
    const tokenHash = hashToken(token);
    const row = await this.byHash.one({ tokenHash, tenant: this.context.tenant });
    // Another client's token: refused, and nothing revoked (it consumes nothing either).
    if (!row || row.clientId !== clientId) throw refused();
    if (row.consumedAt !== null) {
      // A rotated token came back: it leaked, or a client replayed it. Nothing of this grant is trusted now.
      await this.records.revoke(row.grantId, 'refresh_token_reuse', `refresh token reuse by client ${clientId}`);
      throw refused('grant_refresh_token_reused');
    }
    const now = nowSeconds();
    const record = row.expiresAt > now ? await this.records.find(row.grantId) : undefined;
    if (!record || record.revokedAt !== null || record.expiresAt <= now) throw refused('grant_revoked');
    // RFC 9449 §5 / RFC 8705 §4: a bound refresh token is used only with a proof of its key: a
    // DPoP-bound one with a proof the token endpoint checks (dpopJkt), a certificate-bound one with
    // the request's client certificate.
    const binding = senderConstraintOf(row.cnf);
    const proven = binding.kind === 'dpop' || (binding.kind === 'mtls' && certificate !== undefined && certificate.x5tS256 === binding.x5tS256);
    const unproven = proven ? undefined : bearerRefusal(binding);
    if (unproven) throw refused('grant_refresh_token_invalid', unproven);
    const redemption = rotate ? this.redemption(tokenHash, clientId, record.id) : this.stillLive(tokenHash, clientId, record.id);
    return { record, redemption, ...(binding.kind === 'dpop' ? { dpopJkt: binding.jkt } : {}) };
  }

  /** The stored row of a refresh token, in whatever state (revocation needs it even once rotated). */
  async find(token: string): Promise<RefreshTokenEntity | undefined> {
    if (token.length > 512) return undefined;
    return this.byHash.one({ tokenHash: hashToken(token), tenant: this.context.tenant });
  }

  /** The token and its grant while it could be used: not rotated, not expired, its grant live. Reads only. */
  async findActive(token: string): Promise<{ row: RefreshTokenEntity; record: GrantRecordEntity } | undefined> {
    const row = await this.find(token);
    const now = nowSeconds();
    if (!row || row.consumedAt !== null || row.expiresAt <= now) return undefined;
    const record = await this.records.find(row.grantId);
    if (!record || record.revokedAt !== null || record.expiresAt <= now) return undefined;
    return { row, record };
  }

  /** A new refresh token of `record`, bound as `senderConstraint` says, and the statement that stores it. */
  issue(record: GrantRecordEntity, senderConstraint: SenderConstraint): { token: string; step: WriteStep } {
    const token = randomToken(32);
    const now = nowSeconds();
    // Sliding per rotation, never past the grant's absolute end.
    const expiresAt = Math.min(now + this.context.settings.token.refresh_token_ttl, record.expiresAt);
    const cnf = confirmationOf(senderConstraint);
    return {
      token,
      step: {
        sql: 'INSERT INTO refresh_tokens (token_hash, tenant, grant_id, client_id, created_at, expires_at, cnf) VALUES (?, ?, ?, ?, ?, ?, ?)',
        params: [hashToken(token), record.tenant, record.id, record.clientId, now, expiresAt, cnf ? JSON.stringify(cnf) : null],
      },
    };
  }

  /**
   * A use of a token that is not rotated: it must still be unconsumed and unexpired, and its grant
   * live, when the new access token commits (a revocation between `present` and the commit wins).
   * Concurrent uses are all legitimate here, so a refusal revokes nothing.
   */
  private stillLive(tokenHash: string, clientId: string, grantId: string): WriteStep {
    const now = nowSeconds();
    return {
      sql: `UPDATE refresh_tokens SET consumed_at = consumed_at
            WHERE token_hash = ? AND tenant = ? AND client_id = ? AND consumed_at IS NULL AND expires_at > ?
              AND EXISTS (SELECT 1 FROM grant_records g WHERE g.id = ? AND g.tenant = ? AND g.revoked_at IS NULL AND g.expires_at > ?)`,
      params: [tokenHash, this.context.tenant, clientId, now, grantId, this.context.tenant, now],
      expect: 'one-row',
      refused: () => refused('grant_revoked'),
    };
  }

  /**
   * The decision, as one statement: of any number of concurrent uses on any number of
   * instances exactly one changes the row, and only while the grant is live. The loser
   * revokes the grant — it saw the token unconsumed, so another use won, or the grant ended.
   */
  private redemption(tokenHash: string, clientId: string, grantId: string): WriteStep {
    const now = nowSeconds();
    return {
      sql: `UPDATE refresh_tokens SET consumed_at = ?
            WHERE token_hash = ? AND tenant = ? AND client_id = ? AND consumed_at IS NULL AND expires_at > ?
              AND EXISTS (SELECT 1 FROM grant_records g WHERE g.id = ? AND g.tenant = ? AND g.revoked_at IS NULL AND g.expires_at > ?)`,
      params: [now, tokenHash, this.context.tenant, clientId, now, grantId, this.context.tenant, now],
      expect: 'one-row',
      refused: async () => {
        await this.records.revoke(grantId, 'refresh_token_reuse', `concurrent or late use of a refresh token by client ${clientId}`);
        return refused('grant_refresh_token_reused');
      },
    };
  }
}
