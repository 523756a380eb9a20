import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JWK } from 'jose';
import { epochSeconds, jsonText } from '../database/columns';
import type { KeyEncryptionAlg } from './encryption-key-material';

/**
 * A key pair grantry decrypts with (JWE addressed to this server: nested JWT assertions). Never
 * used to sign: signing keys live in `signing_keys`. Without `retire_at` it is published in the
 * JWKS with `use: "enc"` and decrypts; with a `retire_at` in the future it is no longer published
 * (senders stop choosing it once their cached JWKS expires) but still decrypts what is in flight;
 * after it, it does neither.
 */
@Entity('encryption_keys')
export class EncryptionKey {
  @PrimaryColumn({ type: 'varchar', length: 128 }) kid: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ type: 'varchar', length: 32 }) alg: KeyEncryptionAlg;
  @Column({ name: 'public_jwk', type: 'text', transformer: jsonText }) publicJwk: JWK;
  /** PKCS#8 PEM sealed under the master key (AES-256-GCM, bound to the kid), as signing keys are. */
  @Column({ name: 'private_key', type: 'text' }) sealedPrivateKey: string;
  @Column({ type: 'varchar', length: 32 }) source: 'generated';
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  @Column({ name: 'retire_at', type: 'bigint', nullable: true, transformer: epochSeconds }) retireAt: number | null;
}

export type EncryptionKeyStatus = 'active' | 'retiring' | 'retired';

export function encryptionKeyStatus(key: EncryptionKey, now: number): EncryptionKeyStatus {
  if (key.retireAt === null) return 'active';
  return key.retireAt > now ? 'retiring' : 'retired';
}

/** Distinct from signing keys' context: a sealed key of one kind never opens as the other. */
export function encryptionSealContext(kid: string): string {
  return `encryption-key:${kid}`;
}
