import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { KeyedRead } from '../../../database/keyed-read';
import { Repository } from 'typeorm';
import { IssuerContext } from '../../../common/issuer-context';
import { randomId } from '../../../common/random-id';
import { randomToken } from '../../../common/random-pool';
import { LoginSettings } from '../../../config/config.schema';
import { AtomicWriter, WriteStep } from '../../../database/atomic-writer';
import { nowSeconds } from '../../../database/columns';
import { AuditLog } from '../../../observability/audit-log';
import { GrantRecords } from '../../grant-records/grant-records';
import { hashToken } from '../../tokens/token-hash';
import { SessionEntity } from './session.entity';

/**
 * Browser sessions. The browser's cookie holds a 256-bit secret (only its SHA-256 is stored); the
 * HTTP layer (`authorization/http/browser-cookies.ts`) reads and writes that cookie, this class
 * only ever sees the secret.
 */
@Injectable()
export class Sessions {
  private readonly logger = new Logger(Sessions.name);
  private readonly bySecret: KeyedRead<SessionEntity, 'secretHash' | 'tenant'>;
  private readonly byId: KeyedRead<SessionEntity, 'id' | 'tenant'>;

  constructor(
    @InjectRepository(SessionEntity) private readonly repo: Repository<SessionEntity>,
    private readonly settings: LoginSettings,
    private readonly writer: AtomicWriter,
    private readonly context: IssuerContext,
    private readonly grants: GrantRecords,
    @Optional() private readonly audit?: AuditLog,
  ) {
    this.bySecret = new KeyedRead(repo, ['secretHash', 'tenant'], { uniqueIndex: 'sessions (secret_hash), migration 1764500000000' });
    this.byId = new KeyedRead(repo, ['id', 'tenant']);
  }

  /** The live session the browser's cookie secret names, if any. */
  async current(secret: string | undefined): Promise<SessionEntity | undefined> {
    if (!secret || secret.length > 128) return undefined;
    const session = await this.bySecret.one({ secretHash: hashToken(secret), tenant: this.context.tenant });
    if (!session || session.endedAt !== null || session.expiresAt <= nowSeconds()) return undefined;
    return session;
  }

  async findById(id: string): Promise<SessionEntity | undefined> {
    return this.byId.one({ id, tenant: this.context.tenant });
  }

  /**
   * Signs the user in: a new session, and the secret for the browser's cookie. The browser's
   * earlier session (`previousSecret`) ends (its grants stay: nobody signed out); `alongside` is a
   * statement committed with the new session (the interaction it finishes), and when it is
   * refused no session starts.
   */
  async start(previousSecret: string | undefined, userId: string, amr: string[], acr: string | undefined, alongside: (sessionId: string) => WriteStep): Promise<{ session: SessionEntity; secret: string }> {
    const previous = await this.current(previousSecret);
    const secret = randomToken(32);
    const now = nowSeconds();
    const session: SessionEntity = {
      id: randomId(16),
      tenant: this.context.tenant,
      secretHash: hashToken(secret),
      userId,
      authTime: now,
      amr,
      acr: acr ?? null,
      createdAt: now,
      expiresAt: now + this.settings.session_ttl,
      endedAt: null,
    };
    await this.writer.commit([
      alongside(session.id),
      {
        sql: `INSERT INTO sessions (id, tenant, secret_hash, user_id, auth_time, amr, acr, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [session.id, session.tenant, session.secretHash, userId, now, JSON.stringify(amr), session.acr, now, session.expiresAt],
      },
      ...(previous ? [{ sql: 'UPDATE sessions SET ended_at = ? WHERE id = ? AND tenant = ? AND ended_at IS NULL', params: [now, previous.id, this.context.tenant] }] : []),
    ]);
    return { session, secret };
  }

  /**
   * Ends the session (logout) and revokes the grants made in it, so its refresh tokens stop too
   * (the HTTP layer clears the browser's cookie).
   */
  async end(session: SessionEntity | undefined): Promise<void> {
    if (session) {
      const now = nowSeconds();
      await this.writer.commit([
        { sql: 'UPDATE sessions SET ended_at = ? WHERE id = ? AND tenant = ? AND ended_at IS NULL', params: [now, session.id, this.context.tenant] },
        this.grants.revokeAllOfSessionStep(session.id),
      ]);
      this.logger.log(`session ${session.id} of user ${session.userId} ended; its grants revoked`);
      this.audit?.grantRevoked({ sessionId: session.id, subject: session.userId, why: 'logout' });
    }
  }

  /** The statement that signs a user out of every browser (deleted, disabled, a new password), for the atomic write that makes the change. */
  endAllOfUserStep(userId: string): WriteStep {
    return { sql: 'UPDATE sessions SET ended_at = ? WHERE tenant = ? AND user_id = ? AND ended_at IS NULL', params: [nowSeconds(), this.context.tenant, userId] };
  }
}
