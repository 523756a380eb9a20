import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds } from '../../../database/columns';

/**
 * A pushed authorization request (RFC 9126), kept by the SHA-256 of its `request_uri`'s random
 * part — the handle itself is never stored — with the client that pushed it and its parameters
 * as pushed (already validated once). Single-use: `consumed` flips when the code is issued.
 */
@Entity('pushed_requests')
export class PushedRequestEntity {
  @PrimaryColumn({ name: 'handle_hash', type: 'varchar', length: 64 }) handleHash: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ name: 'client_id', type: 'varchar', length: 64 }) clientId: string;
  @Column({ type: 'text' }) params: string;
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochSeconds }) expiresAt: number;
  @Column({ type: 'boolean', default: false }) consumed: boolean;
}
