import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { SIGNING_ALGS, type SigningAlg } from '../config/config.schema';

/** A private key that grantry may sign with, and everything it publishes about it. */
export interface KeyMaterial {
  kid: string;
  alg: SigningAlg;
  privateKeyPem: string;
  publicJwk: JWK;
}

export const MIN_RSA_BITS = 2048;

/** Which algorithms each key type can sign with. */
export function algsForKey(key: KeyObject): SigningAlg[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'PS256'];
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? ['ES256'] : [];
    case 'ed25519':
      return ['EdDSA'];
    default:
      return [];
  }
}

export function generateKeyMaterial(alg: SigningAlg, rsaBits = MIN_RSA_BITS): Promise<KeyMaterial> {
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: rsaBits });
  return describeKey(privateKey, alg);
}

/**
 * Checks that a private key is strong enough and fits `alg` (the key's natural alg when not
 * given), and derives its public JWK and `kid` (the RFC 7638 thumbprint).
 */
export async function describeKey(privateKey: KeyObject, alg?: SigningAlg): Promise<KeyMaterial> {
  if (privateKey.type !== 'private') throw new KeyMaterialError('a private key is required');
  const allowed = algsForKey(privateKey);
  if (!allowed.length) {
    throw new KeyMaterialError(
      `unsupported key type ${privateKey.asymmetricKeyType}${describeCurve(privateKey)}: use RSA (2048+ bits), EC P-256 or Ed25519`,
    );
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength;
  if (privateKey.asymmetricKeyType === 'rsa' && (bits ?? 0) < MIN_RSA_BITS) {
    throw new KeyMaterialError(`RSA key of ${bits} bits refused: at least ${MIN_RSA_BITS} bits are required (RFC 7518 §3.3)`);
  }
  const chosen = alg ?? allowed[0];
  if (!allowed.includes(chosen)) {
    throw new KeyMaterialError(`a ${privateKey.asymmetricKeyType} key cannot sign ${chosen} (it can sign ${allowed.join(', ')})`);
  }
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    kid,
    alg: chosen,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: { ...jwk, kid, alg: chosen, use: 'sig' },
  };
}

/** A PEM private key: PKCS#8 (encrypted or not), PKCS#1 or SEC1. */
export function parsePemPrivateKey(pem: string, password?: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase: password });
  } catch (error) {
    const reason = (error as Error).message;
    throw new KeyMaterialError(
      /passphrase|decrypt|bad decrypt/i.test(reason)
        ? 'cannot decrypt the PEM private key: wrong or missing password'
        : `not a PEM private key (${reason})`,
    );
  }
}

export function isSigningAlg(value: string): value is SigningAlg {
  return (SIGNING_ALGS as readonly string[]).includes(value);
}

function describeCurve(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve ? ` (curve ${curve})` : '';
}

/** Bad key input from an operator: shown as is, never with key bytes. */
export class KeyMaterialError extends Error {
  override name = 'KeyMaterialError';
}
