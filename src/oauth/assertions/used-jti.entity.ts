import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds } from '../../database/columns';

/** A `jti` already accepted from `issuer` (a client_id, or an identity provider's iss). */
@Entity('used_jtis')
export class UsedJti {
  @PrimaryColumn({ type: 'varchar', length: 64 }) tenant: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) issuer: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) jti: string;
  /** After this the assertion is expired anyway, so the row may go. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochSeconds }) expiresAt: number;
}
