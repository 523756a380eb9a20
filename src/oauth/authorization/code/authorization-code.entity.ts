import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds } from '../../../database/columns';

/**
 * An authorization code, kept by the SHA-256 of its value, bound to its client, redirect URI,
 * PKCE challenge, nonce and session. What it grants lives in its grant record, created with it,
 * so a second use can revoke every token the first one produced.
 */
@Entity('authorization_codes')
export class AuthorizationCodeEntity {
  @PrimaryColumn({ name: 'code_hash', type: 'varchar', length: 64 }) codeHash: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ name: 'client_id', type: 'varchar', length: 64 }) clientId: string;
  @Column({ name: 'grant_id', type: 'varchar', length: 64 }) grantId: string;
  @Column({ name: 'redirect_uri', type: 'text' }) redirectUri: string;
  @Column({ name: 'code_challenge', type: 'varchar', length: 128, nullable: true }) codeChallenge: string | null;
  @Column({ name: 'code_challenge_method', type: 'varchar', length: 8, nullable: true }) codeChallengeMethod: string | null;
  @Column({ type: 'text', nullable: true }) nonce: string | null;
  @Column({ name: 'session_id', type: 'varchar', length: 64, nullable: true }) sessionId: string | null;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochSeconds }) expiresAt: number;
  /** RFC 9449 §10: the `jkt` of the DPoP key the code is bound to; null when it is not. */
  @Column({ name: 'dpop_jkt', type: 'varchar', length: 43, nullable: true }) dpopJkt: string | null;
  @Column({ name: 'consumed_at', type: 'bigint', nullable: true, transformer: epochSeconds }) consumedAt: number | null;
}
