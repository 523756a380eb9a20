import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds } from '../../database/columns';

/** RFC 7591 §3 initial access token: only its keyed digest is kept; the token is shown once. */
@Entity('initial_access_tokens')
export class InitialAccessTokenEntity {
  @PrimaryColumn({ name: 'token_digest', type: 'varchar', length: 64 }) tokenDigest: string;
  /** What the admin API and CLI name it by (the token is shown once, at creation). */
  @Column({ type: 'varchar', length: 36, nullable: true }) id: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochSeconds }) expiresAt: number;
  /** null: any number of registrations until `expires_at`. */
  @Column({ name: 'max_uses', type: 'integer', nullable: true }) maxUses: number | null;
  @Column({ type: 'integer', default: 0 }) uses: number;
}
