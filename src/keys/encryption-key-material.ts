import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { KeyMaterialError, MIN_RSA_BITS } from './key-material';

/**
 * Key-management algorithms of grantry's own encryption keys (RFC 7518 §4): RSA-OAEP-256 with
 * an RSA key, ECDH-ES (direct or with AES key wrap) with a P-256 key. No RSA1_5 (Bleichenbacher),
 * no PBES2 (a password is no key), no `dir` (a shared symmetric key).
 */
export const KEY_ENCRYPTION_ALGS = ['RSA-OAEP-256', 'ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A256KW'] as const;
export type KeyEncryptionAlg = (typeof KEY_ENCRYPTION_ALGS)[number];

/** Content encryptions accepted in JWEs addressed to grantry (RFC 7518 §5). */
export const CONTENT_ENCRYPTION_ALGS = ['A128GCM', 'A256GCM', 'A128CBC-HS256', 'A256CBC-HS512'] as const;

export interface EncryptionKeyMaterial {
  kid: string;
  alg: KeyEncryptionAlg;
  privateKeyPem: string;
  /** Published as is: `use: "enc"`, the alg, the RFC 7638 thumbprint as kid. */
  publicJwk: JWK;
}

export function isKeyEncryptionAlg(value: unknown): value is KeyEncryptionAlg {
  return typeof value === 'string' && (KEY_ENCRYPTION_ALGS as readonly string[]).includes(value);
}

/**
 * The largest RSA encryption key grantry makes or loads. Every JWE addressed to grantry costs one
 * private-key operation, which grows with the cube of the modulus: an RSA-8192 key would let
 * anyone spend ~8 times an RSA-4096 decryption per request. 4096 bits is also what the JWE size
 * limit (MAX_JWE_BYTES) is sized for.
 */
export const MAX_ENCRYPTION_RSA_BITS = 4096;

/** Throws unless `bits` is an RSA encryption key size grantry accepts. */
export function checkEncryptionRsaBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < MIN_RSA_BITS || bits > MAX_ENCRYPTION_RSA_BITS) {
    throw new KeyMaterialError(`RSA encryption keys have ${MIN_RSA_BITS} to ${MAX_ENCRYPTION_RSA_BITS} bits`);
  }
}

/** A new key pair for `alg`: RSA (2048 bits unless more are asked, at most 4096) or P-256. */
export async function generateEncryptionKeyMaterial(alg: KeyEncryptionAlg, rsaBits = MIN_RSA_BITS): Promise<EncryptionKeyMaterial> {
  if (alg === 'RSA-OAEP-256') checkEncryptionRsaBits(rsaBits);
  const { privateKey } = alg === 'RSA-OAEP-256' ? generateKeyPairSync('rsa', { modulusLength: rsaBits }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    kid,
    alg,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: { ...jwk, kid, alg, use: 'enc' },
  };
}
