import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';
import { clientEncryptionKey } from './client-encryption-key';

const rsa = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }) as JWK;
const ec = (namedCurve = 'P-256') => generateKeyPairSync('ec', { namedCurve }).publicKey.export({ format: 'jwk' }) as JWK;

describe('clientEncryptionKey (OIDC Core §10.2)', () => {
  const sig = { ...rsa(), kid: 'sig', use: 'sig' };
  const enc = { ...rsa(), kid: 'enc', use: 'enc' };
  const bare = { ...rsa(), kid: 'bare' };

  it('prefers a key that says use enc, accepts one without use, never a signing key', () => {
    expect(clientEncryptionKey([sig, bare, enc], 'RSA-OAEP-256')?.kid).toBe('enc');
    expect(clientEncryptionKey([sig, bare], 'RSA-OAEP-256')?.kid).toBe('bare');
    expect(clientEncryptionKey([sig], 'RSA-OAEP-256')).toBeUndefined();
  });

  it('matches the key type to the alg, and refuses keys pinned to another alg, short RSA keys and private keys', () => {
    const p256 = { ...ec(), kid: 'ec', use: 'enc' };
    expect(clientEncryptionKey([enc, p256], 'ECDH-ES+A256KW')?.kid).toBe('ec');
    expect(clientEncryptionKey([p256], 'RSA-OAEP-256')).toBeUndefined();
    expect(clientEncryptionKey([{ ...enc, alg: 'RSA-OAEP' }], 'RSA-OAEP-256')).toBeUndefined();
    expect(clientEncryptionKey([{ ...rsa(1024), use: 'enc' }], 'RSA-OAEP-256')).toBeUndefined();
    expect(clientEncryptionKey([{ ...enc, d: 'secret' }], 'RSA-OAEP-256')).toBeUndefined();
    expect(clientEncryptionKey([{ ...enc, key_ops: ['verify'] }], 'RSA-OAEP-256')).toBeUndefined();
    expect(clientEncryptionKey([{ ...enc, key_ops: ['wrapKey'] }], 'RSA-OAEP-256')?.kid).toBe('enc');
  });
});
