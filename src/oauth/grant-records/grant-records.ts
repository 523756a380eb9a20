import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { KeyedRead } from '../../database/keyed-read';
import { randomToken } from '../../common/random-pool';
import { Repository } from 'typeorm';
import { IssuerContext } from '../../common/issuer-context';
import { AtomicWriter, WriteStep } from '../../database/atomic-writer';
import { nowSeconds, sqlBoolean } from '../../database/columns';
import { AuditLog, RevocationCause } from '../../observability/audit-log';
import { GrantRecordEntity } from './grant-record.entity';

/**
 * The grant records of the issuer's tenant: created with the first tokens, revoked by one sticky
 * write. The owner of `grant_records`: every statement that writes the table is made here; other
 * services ask for it as a step of their own atomic write.
 */
@Injectable()
export class GrantRecords {
  private readonly logger = new Logger(GrantRecords.name);
  private readonly byId: KeyedRead<GrantRecordEntity, 'id' | 'tenant'>;

  constructor(
    @InjectRepository(GrantRecordEntity) private readonly repo: Repository<GrantRecordEntity>,
    private readonly context: IssuerContext,
    private readonly writer: AtomicWriter,
    @Optional() private readonly audit?: AuditLog,
  ) {
    this.byId = new KeyedRead(repo, ['id', 'tenant']);
  }

  /** A new record (not yet stored: `insertStep` writes it with the tokens that reference it). */
  create(fields: Omit<GrantRecordEntity, 'id' | 'tenant' | 'createdAt' | 'revokedAt'>): GrantRecordEntity {
    return { id: randomToken(16), tenant: this.context.tenant, createdAt: nowSeconds(), revokedAt: null, ...fields };
  }

  insertStep(record: GrantRecordEntity): WriteStep {
    return {
      sql: `INSERT INTO grant_records (id, tenant, client_id, grant_type, subject, subject_is_user, identity_provider, session_id, authentication, scope, audience, claims, created_at, expires_at, requested_claims)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [
        record.id, record.tenant, record.clientId, record.grantType, record.subject, sqlBoolean(record.subjectIsUser), record.identityProvider, record.sessionId,
        record.authentication ? JSON.stringify(record.authentication) : null,
        record.scope, JSON.stringify(record.audience), JSON.stringify(record.claims), record.createdAt, record.expiresAt,
        record.requestedClaims ? JSON.stringify(record.requestedClaims) : null,
      ],
    };
  }

  async find(id: string): Promise<GrantRecordEntity | undefined> {
    return this.byId.one({ id, tenant: this.context.tenant });
  }

  /** Neither revoked nor past its absolute end. */
  async isActive(id: string): Promise<boolean> {
    const record = await this.find(id);
    return !!record && record.revokedAt === null && record.expiresAt > nowSeconds();
  }

  /**
   * Revokes every token of the grant at once: the mark is sticky, and every refresh,
   * introspection and resource-server check reads it — including tokens written after it.
   */
  async revoke(id: string, why: RevocationCause, detail: string): Promise<void> {
    const [revoked] = await this.writer.commit([this.revokeStep(id)]);
    if (!revoked) return;
    this.logger.warn(`grant ${id} revoked: ${detail}`);
    this.audit?.grantRevoked({ grantId: id, why });
  }

  /** The audit event of revocations written by a caller's own atomic write (`revokeStep`, `revokeAllOfSubjectStep`, `revokeAllOfClientStep`), once committed. */
  noteRevoked(event: { grantId?: string; clientId?: string; subject?: string; count?: number; why: RevocationCause }): void {
    if (event.count === 0) return;
    this.audit?.grantRevoked(event);
  }

  /** The statement that revokes one grant, for an atomic write (RFC 7009 revocation). */
  revokeStep(id: string): WriteStep {
    return { sql: 'UPDATE grant_records SET revoked_at = ? WHERE id = ? AND tenant = ? AND revoked_at IS NULL', params: [nowSeconds(), id, this.context.tenant] };
  }

  /** How many grants of a client are live: for the audit event of a deletion, read before the write that revokes them. */
  countLiveOfClient(clientId: string): Promise<number> {
    return this.repo.createQueryBuilder().where('client_id = :clientId AND tenant = :tenant AND revoked_at IS NULL', { clientId, tenant: this.context.tenant }).getCount();
  }

  /** The statement that revokes every live grant of a client, for the atomic write that deletes the client. */
  revokeAllOfClientStep(clientId: string): WriteStep {
    return {
      sql: 'UPDATE grant_records SET revoked_at = ? WHERE tenant = ? AND client_id = ? AND revoked_at IS NULL',
      params: [nowSeconds(), this.context.tenant, clientId],
    };
  }

  /** The statement that revokes every grant made in a browser session, for the atomic write that ends it (logout). */
  revokeAllOfSessionStep(sessionId: string): WriteStep {
    return {
      sql: 'UPDATE grant_records SET revoked_at = ? WHERE tenant = ? AND session_id = ? AND revoked_at IS NULL',
      params: [nowSeconds(), this.context.tenant, sessionId],
    };
  }

  /**
   * The statement that revokes every live grant an identity provider vouched for, for the atomic
   * write that deletes the provider: what it vouched for stops with it.
   */
  revokeAllVouchedByStep(identityProviderId: string): WriteStep {
    return {
      sql: 'UPDATE grant_records SET revoked_at = ? WHERE tenant = ? AND identity_provider = ? AND revoked_at IS NULL',
      params: [nowSeconds(), this.context.tenant, identityProviderId],
    };
  }

  /**
   * The statement that revokes every live grant of a subject (a user disabled, deleted or given a
   * new password), for the atomic write that makes the change: both happen, or neither.
   */
  revokeAllOfSubjectStep(subject: string): WriteStep {
    return {
      sql: 'UPDATE grant_records SET revoked_at = ? WHERE tenant = ? AND subject = ? AND revoked_at IS NULL',
      params: [nowSeconds(), this.context.tenant, subject],
    };
  }
}
