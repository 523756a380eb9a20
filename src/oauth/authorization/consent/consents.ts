import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { KeyedRead } from '../../../database/keyed-read';
import { Repository } from 'typeorm';
import { IssuerContext } from '../../../common/issuer-context';
import { storable } from '../../../common/storable';
import { AtomicWriter, WriteStep } from '../../../database/atomic-writer';
import { nowSeconds } from '../../../database/columns';
import { isUniqueViolation } from '../../../database/unique-violation';
import { ConsentEntity } from './consent.entity';

export interface ConsentView {
  client_id: string;
  scope: string;
  created_at: number;
  updated_at: number;
}

/** Remembered consents: per user and client, the scopes approved so far. */
@Injectable()
export class Consents {
  private readonly byUserAndClient: KeyedRead<ConsentEntity, 'tenant' | 'userId' | 'clientId'>;
  constructor(
    @InjectRepository(ConsentEntity) private readonly repo: Repository<ConsentEntity>,
    private readonly writer: AtomicWriter,
    private readonly context: IssuerContext,
  ) {
    this.byUserAndClient = new KeyedRead(repo, ['tenant', 'userId', 'clientId']);
  }

  /** Has the user approved every one of `scopes` for the client? */
  async covers(userId: string, clientId: string, scopes: readonly string[]): Promise<boolean> {
    const row = await this.byUserAndClient.one({ tenant: this.context.tenant, userId, clientId });
    if (!row) return false;
    const approved = new Set(row.scope.split(' '));
    return scopes.every((scope) => approved.has(scope));
  }

  /** Adds `scopes` to what the user approved for the client. */
  async remember(userId: string, clientId: string, scopes: readonly string[]): Promise<void> {
    const row = await this.byUserAndClient.one({ tenant: this.context.tenant, userId, clientId });
    const now = nowSeconds();
    const scope = [...new Set([...(row ? row.scope.split(' ').filter(Boolean) : []), ...scopes])].join(' ');
    try {
      await this.writer.commit([
        { sql: 'DELETE FROM consents WHERE tenant = ? AND user_id = ? AND client_id = ?', params: [this.context.tenant, userId, clientId] },
        { sql: 'INSERT INTO consents (tenant, user_id, client_id, scope, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', params: [this.context.tenant, userId, clientId, scope, row?.createdAt ?? now, now] },
      ]);
    } catch (error) {
      // A concurrent approval of the same client wrote first: the user approved either way.
      if (!isUniqueViolation(error)) throw error;
    }
  }

  async list(userId: string): Promise<ConsentView[]> {
    const rows = await this.repo.find({ where: { tenant: this.context.tenant, userId }, order: { clientId: 'ASC' } });
    return rows.map((row) => ({ client_id: row.clientId, scope: row.scope, created_at: row.createdAt, updated_at: row.updatedAt }));
  }

  /**
   * Forgets the user's consents (all, or one client's); the next request asks again. `also`: what
   * the caller writes in the same transaction (the audit row), also when there was none to forget.
   */
  async revoke(userId: string, clientId?: string, also: readonly WriteStep[] = []): Promise<number> {
    // Ids from the admin API's path and query: one no column holds has no consent (and must not fail the query).
    const held = storable(userId, 64) && (!clientId || storable(clientId, 64));
    const forget: WriteStep[] = held
      ? [{ sql: `DELETE FROM consents WHERE tenant = ? AND user_id = ?${clientId ? ' AND client_id = ?' : ''}`, params: [this.context.tenant, userId, ...(clientId ? [clientId] : [])] }]
      : [];
    const [forgotten] = await this.writer.commit([...forget, ...also]);
    return held ? forgotten : 0;
  }
}
