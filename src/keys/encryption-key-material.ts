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

/** A new key pair for `alg`: RSA (2048 bits unless more are asked) or P-256. */
export async function generateEncryptionKeyMaterial(alg: KeyEncryptionAlg, rsaBits = MIN_RSA_BITS): Promise<EncryptionKeyMaterial> {
  if (alg === 'RSA-OAEP-256' && (!Number.isInteger(rsaBits) || rsaBits < MIN_RSA_BITS || rsaBits > 8192)) {
    throw new KeyMaterialError(`RSA keys have ${MIN_RSA_BITS} to 8192 bits`);
  }
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
