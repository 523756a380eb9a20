import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, jsonText } from '../../database/columns';
import type { Confirmation } from '../core/sender-constraint';

/** An opaque access token, kept by the SHA-256 of its value (never the value itself). */
@Entity('access_tokens')
export class OpaqueAccessToken {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 }) tokenHash: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ name: 'client_id', type: 'varchar', length: 64 }) clientId: string;
  @Column({ type: 'varchar', length: 255 }) subject: string;
  @Column({ type: 'text' }) scope: string;
  @Column({ type: 'text', transformer: jsonText }) audience: string[];
  @Column({ type: 'text', transformer: jsonText }) claims: object;
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochSeconds }) expiresAt: number;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  /** The grant it was issued under (revoking the grant revokes it); null for a client acting for itself. */
  @Column({ name: 'grant_id', type: 'varchar', length: 64, nullable: true }) grantId: string | null;
  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochSeconds }) revokedAt: number | null;
  /** RFC 7800 `cnf` (RFC 9449 `jkt`, RFC 8705 `x5t#S256`) of a sender-constrained token; null for a bearer token. */
  @Column({ type: 'text', nullable: true, transformer: jsonText }) cnf: Confirmation | null;
}
