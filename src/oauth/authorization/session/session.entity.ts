import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, jsonText } from '../../../database/columns';

/**
 * A browser session: a user signed in. `id` is public (the `sid` of ID tokens, the
 * `session_id` of grant records); the cookie carries a separate secret, kept here as SHA-256.
 */
@Entity('sessions')
export class SessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ name: 'secret_hash', type: 'varchar', length: 64 }) secretHash: string;
  @Column({ name: 'user_id', type: 'varchar', length: 64 }) userId: string;
  @Column({ name: 'auth_time', type: 'bigint', transformer: epochSeconds }) authTime: number;
  @Column({ type: 'text', transformer: jsonText }) amr: string[];
  @Column({ type: 'varchar', length: 255, nullable: true }) acr: string | null;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochSeconds }) expiresAt: number;
  @Column({ name: 'ended_at', type: 'bigint', nullable: true, transformer: epochSeconds }) endedAt: number | null;
}
