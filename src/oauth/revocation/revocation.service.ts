import { Injectable, Logger } from '@nestjs/common';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { AtomicWriter, WriteStep } from '../../database/atomic-writer';
import { nowSeconds } from '../../database/columns';
import { ClientAuthChain } from '../client-auth/client-auth.chain';
import { GrantRecords } from '../grant-records/grant-records';
import type { ClientRequest } from '../core/client-request';
import { AccessTokenLookup } from '../tokens/access-token.lookup';
import { RefreshTokenStore } from '../tokens/refresh-token.store';

/** Raised by the deny-list INSERT when a concurrent revocation of the same JWT won: done either way. */
class RevokedAlready extends Error {}

/**
 * RFC 7009 token revocation. Revoking a refresh token or an access token of a grant revokes the
 * grant — every token of it, JWTs included, since every check reads the grant. A JWT of no grant
 * (client_credentials) goes on the deny-list until its `exp`; an opaque one is marked revoked.
 * A client revokes only tokens issued to it; anything else — unknown, expired, another client's —
 * changes nothing and answers 200 as well (§2.2), so the answer tells nobody what exists.
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger(RevocationService.name);

  constructor(
    private readonly clientAuth: ClientAuthChain,
    private readonly accessTokens: AccessTokenLookup,
    private readonly refreshTokens: RefreshTokenStore,
    private readonly grants: GrantRecords,
    private readonly writer: AtomicWriter,
    private readonly context: IssuerContext,
  ) {}

  /** `onClient` is told the client as soon as it authenticated (the controller's CORS answer). */
  async revoke(request: ClientRequest, onClient?: (client: RegisteredClient) => void): Promise<void> {
    const authenticated = await this.clientAuth.authenticate(request);
    onClient?.(authenticated.client);
    const token = request.requireParam('token');
    const hint = request.param('token_type_hint');
    const lookups = hint === 'refresh_token' ? [this.refreshTokenSteps, this.accessTokenSteps] : [this.accessTokenSteps, this.refreshTokenSteps];
    let steps: WriteStep[] = [];
    let grantId: string | undefined;
    const revoking = (id: string) => void (grantId = id);
    for (const lookup of lookups) {
      const found = await lookup.call(this, authenticated.client, token, revoking);
      if (found) {
        steps = found;
        break;
      }
    }
    try {
      await this.writer.commit([...this.clientAuth.consumption(authenticated), ...steps]);
      if (grantId !== undefined) this.grants.noteRevoked({ grantId, why: 'revocation' });
    } catch (error) {
      if (!(error instanceof RevokedAlready)) throw error;
      // A concurrent revocation of the same JWT won, and the refusal rolled back this request's
      // client-assertion jti with it: consume that alone, so the assertion cannot be replayed.
      await this.writer.commit(this.clientAuth.consumption(authenticated));
    }
  }

  /** The statements that revoke `token` as a refresh token of `client`; undefined when it is none of its. */
  private async refreshTokenSteps(client: RegisteredClient, token: string, revoking: (grantId: string) => void): Promise<WriteStep[] | undefined> {
    const row = await this.refreshTokens.find(token);
    if (!row) return undefined;
    if (row.clientId !== client.clientId) return this.foreign(client, 'refresh token');
    this.logger.log(`grant ${row.grantId} revoked by client ${client.clientId} (refresh token revocation)`);
    revoking(row.grantId);
    return [this.grants.revokeStep(row.grantId)];
  }

  private async accessTokenSteps(client: RegisteredClient, token: string, revoking: (grantId: string) => void): Promise<WriteStep[] | undefined> {
    const info = await this.accessTokens.find(token);
    if (!info) return undefined;
    if (info.clientId !== client.clientId) return this.foreign(client, 'access token');
    const now = nowSeconds();
    const steps: WriteStep[] = [];
    if (info.grantId !== undefined) {
      this.logger.log(`grant ${info.grantId} revoked by client ${client.clientId} (access token revocation)`);
      revoking(info.grantId);
      steps.push(this.grants.revokeStep(info.grantId));
    }
    if (info.format === 'opaque') {
      steps.push({ sql: 'UPDATE access_tokens SET revoked_at = ? WHERE token_hash = ? AND tenant = ? AND revoked_at IS NULL', params: [now, info.tokenHash, this.context.tenant] });
    } else if (info.grantId === undefined && info.jti !== undefined) {
      steps.push({
        sql: 'INSERT INTO revoked_access_tokens (tenant, jti, client_id, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?)',
        params: [this.context.tenant, info.jti, client.clientId, info.expiresAt, now],
        expect: 'new-key',
        refused: () => new RevokedAlready(),
      });
    }
    return steps;
  }

  /** Another client's token: nothing changes, and the answer is the same as for an unknown one. */
  private foreign(client: RegisteredClient, kind: string): WriteStep[] {
    this.logger.debug(`client ${client.clientId} asked to revoke another client's ${kind}: ignored`);
    return [];
  }
}
