import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, jsonText } from '../../database/columns';
import type { Confirmation } from '../core/sender-constraint';

/** A refresh token, kept by the SHA-256 of its value. What it grants lives in its grant record. */
@Entity('refresh_tokens')
export class RefreshTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 }) tokenHash: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ name: 'grant_id', type: 'varchar', length: 64 }) grantId: string;
  @Column({ name: 'client_id', type: 'varchar', length: 64 }) clientId: string;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  /** Sliding: `refresh_token_ttl` after it was issued, never past its grant's end. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochSeconds }) expiresAt: number;
  /** Set by the one redemption that rotated it. */
  @Column({ name: 'consumed_at', type: 'bigint', nullable: true, transformer: epochSeconds }) consumedAt: number | null;
  /**
   * RFC 7800 `cnf` of a sender-constrained refresh token; null when it is a bearer token. Kept per
   * token, not on the grant (see `refreshTokenConstraint`): only a public client's are bound, the
   * binding is made at a token request — after the grant record of a code flow exists — and each
   * rotation writes its successor's, in the INSERT that happens anyway.
   */
  @Column({ type: 'text', nullable: true, transformer: jsonText }) cnf: Confirmation | null;
}
