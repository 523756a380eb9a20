import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, jsonText } from '../../database/columns';

/** A refresh token, kept by the SHA-256 of its value. Every rotation of one grant shares a family. */
@Entity('refresh_tokens')
export class RefreshTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 }) tokenHash: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ name: 'family_id', type: 'varchar', length: 64 }) familyId: string;
  @Column({ name: 'client_id', type: 'varchar', length: 64 }) clientId: string;
  @Column({ type: 'varchar', length: 255 }) subject: string;
  @Column({ type: 'text' }) scope: string;
  @Column({ type: 'text', transformer: jsonText }) audience: string[];
  @Column({ type: 'text', transformer: jsonText }) claims: object;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochSeconds }) expiresAt: number;
  /** Set by the one redemption that rotated it. */
  @Column({ name: 'consumed_at', type: 'bigint', nullable: true, transformer: epochSeconds }) consumedAt: number | null;
  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochSeconds }) revokedAt: number | null;
}
