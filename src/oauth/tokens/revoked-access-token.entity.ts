import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds } from '../../database/columns';

/**
 * The deny-list of revoked JWT access tokens that belong to no grant (client_credentials): a
 * row per `jti`, kept until the token's `exp`. Tokens of a grant are revoked through the grant.
 */
@Entity('revoked_access_tokens')
export class RevokedAccessToken {
  @PrimaryColumn({ type: 'varchar', length: 64 }) tenant: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) jti: string;
  @Column({ name: 'client_id', type: 'varchar', length: 64 }) clientId: string;
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochSeconds }) expiresAt: number;
  @Column({ name: 'revoked_at', type: 'bigint', transformer: epochSeconds }) revokedAt: number;
}
