import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JWK } from 'jose';
import { epochSeconds, jsonText } from '../database/columns';
import type { SigningAlg } from '../config/config.schema';

export type KeySource = 'generated' | 'imported' | 'keystore';

/**
 * A signing key. `active` marks the one key per alg that signs; a key that is not active
 * and has no `retire_at` is published ahead of use; one with `retire_at` in the future is
 * kept in the JWKS so tokens it signed still verify.
 */
@Entity('signing_keys')
export class SigningKey {
  @PrimaryColumn({ type: 'varchar', length: 128 }) kid: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ type: 'varchar', length: 16 }) alg: SigningAlg;
  @Column({ name: 'public_jwk', type: 'text', transformer: jsonText }) publicJwk: JWK;
  /** PKCS#8 PEM sealed under the master key (AES-256-GCM, bound to the kid). */
  @Column({ name: 'private_key', type: 'text' }) sealedPrivateKey: string;
  @Column({ type: 'boolean', default: false }) active: boolean;
  @Column({ type: 'varchar', length: 32 }) source: KeySource;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  @Column({ name: 'retire_at', type: 'bigint', nullable: true, transformer: epochSeconds }) retireAt: number | null;
}

export type KeyStatus = 'active' | 'published' | 'retiring' | 'retired';

export function keyStatus(key: SigningKey, now: number): KeyStatus {
  if (key.active) return 'active';
  if (key.retireAt === null) return 'published';
  return key.retireAt > now ? 'retiring' : 'retired';
}

export function sealContext(kid: string): string {
  return `signing-key:${kid}`;
}
