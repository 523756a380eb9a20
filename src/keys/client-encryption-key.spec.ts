import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';
import { OAuthError } from '../common/oauth-error';
import { checkClientEncryptionKeys, clientEncryptionKey } from './client-encryption-key';

const rsa = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }) as JWK;
const ec = (namedCurve = 'P-256') => generateKeyPairSync('ec', { namedCurve }).publicKey.export({ format: 'jwk' }) as JWK;
const kid = (keys: JWK[], alg: string) => clientEncryptionKey(keys, alg)?.jwk.kid;

describe('clientEncryptionKey (OIDC Core §10.2)', () => {
  const sig = { ...rsa(), kid: 'sig', use: 'sig' };
  const enc = { ...rsa(), kid: 'enc', use: 'enc' };
  const bare = { ...rsa(), kid: 'bare' };

  it('prefers a key that says use enc, accepts one without use, never a signing key', () => {
    expect(kid([sig, bare, enc], 'RSA-OAEP-256')).toBe('enc');
    expect(kid([sig, bare], 'RSA-OAEP-256')).toBe('bare');
    expect(kid([sig], 'RSA-OAEP-256')).toBeUndefined();
  });

  it('matches the key type to the alg, and refuses keys pinned to another alg, short RSA keys and private keys', () => {
    const p256 = { ...ec(), kid: 'ec', use: 'enc' };
    expect(kid([enc, p256], 'ECDH-ES+A256KW')).toBe('ec');
    expect(kid([p256], 'RSA-OAEP-256')).toBeUndefined();
    expect(kid([{ ...enc, alg: 'RSA-OAEP' }], 'RSA-OAEP-256')).toBeUndefined();
    expect(kid([{ ...rsa(1024), use: 'enc' }], 'RSA-OAEP-256')).toBeUndefined();
    expect(kid([{ ...enc, d: 'secret' }], 'RSA-OAEP-256')).toBeUndefined();
    expect(kid([{ ...enc, key_ops: ['verify'] }], 'RSA-OAEP-256')).toBeUndefined();
    expect(kid([{ ...enc, key_ops: ['wrapKey'] }], 'RSA-OAEP-256')).toBe('enc');
    expect(kid([{ kty: 'OKP', crv: 'toString', x: 'AAAA', use: 'enc' } as JWK], 'ECDH-ES')).toBeUndefined();
  });

  // Review F1: e = 1 makes RSA the identity; NIST SP 800-56B Rev. 2 §6.2.1 asks for an odd e ≥ 65537.
  it.each([
    ['1', 'AQ'],
    ['3', 'Aw'],
    ['65536 (even)', 'AQAA'],
  ])('refuses an RSA key whose public exponent is %s, and says why', (_, e) => {
    const skipped: string[] = [];
    expect(clientEncryptionKey([{ ...enc, e }], 'RSA-OAEP-256', skipped)).toBeUndefined();
    expect(skipped).toEqual([expect.stringMatching(/^key enc: public exponent \d+ \(an odd one from 65537 to below 2\^256 is needed\)$/)]);
  });

  // Review F2: the size is the modulus's, not the bytes of n (leading zero octets count for nothing).
  it('measures an RSA key by its modulus: a 1024-bit n padded with zero octets is refused, the next key taken', () => {
    const small = rsa(1024);
    const padded = { ...small, n: Buffer.concat([Buffer.alloc(128), Buffer.from(small.n!, 'base64url')]).toString('base64url'), kid: 'padded', use: 'enc' };
    const skipped: string[] = [];
    expect(clientEncryptionKey([padded, bare], 'RSA-OAEP-256', skipped)?.jwk.kid).toBe('bare');
    expect(skipped).toEqual(['key padded: an RSA modulus of 1024 bits (at least 2048 are needed)']);
  });

  // Review F3: key_ops deriveKey is what an ECDH key says; it must not break the import.
  it('imports an EC key whose key_ops say deriveKey, and skips a key that does not import for the next one', () => {
    const withOps = { ...ec(), kid: 'ops', use: 'enc', key_ops: ['deriveKey'], ext: true };
    const found = clientEncryptionKey([withOps], 'ECDH-ES');
    expect(found?.jwk.kid).toBe('ops');
    expect(found?.key.asymmetricKeyType).toBe('ec');
    const broken = { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: 'broken', use: 'enc' };
    expect(clientEncryptionKey([broken, withOps], 'ECDH-ES')?.jwk.kid).toBe('ops');
    expect(clientEncryptionKey([{ ...ec('P-384'), crv: 'P-256', kid: 'liar', use: 'enc' }], 'ECDH-ES')).toBeUndefined();
  });
});

describe('checkClientEncryptionKeys (registration of an inline jwks)', () => {
  const metadata = (keys: JWK[], alg = 'RSA-OAEP-256') => ({ jwks: { keys }, id_token_encrypted_response_alg: null, userinfo_encrypted_response_alg: alg });

  it('accepts a jwks with a key that fits each registered alg, and anything without an inline jwks', () => {
    expect(() => checkClientEncryptionKeys(metadata([{ ...rsa(), use: 'enc' }]))).not.toThrow();
    expect(() => checkClientEncryptionKeys({ jwks: null, id_token_encrypted_response_alg: 'ECDH-ES', userinfo_encrypted_response_alg: null })).not.toThrow();
  });

  it('refuses with invalid_client_metadata a jwks whose only RSA key has e = 1', () => {
    let error: unknown;
    try {
      checkClientEncryptionKeys(metadata([{ ...rsa(), e: 'AQ', use: 'enc' }]));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({
      code: 'invalid_client_metadata',
      description: 'userinfo_encrypted_response_alg RSA-OAEP-256 needs a public key in jwks with use "enc" (or no use) that fits it (RSA: at least 2048 bits, public exponent at least 65537)',
    });
  });
});
