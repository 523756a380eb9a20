import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, exportJWK, jwtVerify } from 'jose';
import { randomToken } from '../common/random-pool';
import { JwsSigner } from './jws-signer';

describe('JwsSigner (RFC 7515 compact serialization, RFC 7518 algorithms)', () => {
  const pairs = {
    RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    PS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    EdDSA: generateKeyPairSync('ed25519'),
  } as const;

  it.each(Object.keys(pairs) as (keyof typeof pairs)[])('signs %s tokens that jose verifies with the public key', async (alg) => {
    const { privateKey, publicKey } = pairs[alg];
    const signer = new JwsSigner(`kid-${alg}`, alg, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const token = await signer.sign({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 60 }, 'at+jwt');
    expect(decodeProtectedHeader(token)).toEqual({ alg, kid: `kid-${alg}`, typ: 'at+jwt' });
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: `kid-${alg}`, alg }] });
    const { payload } = await jwtVerify(token, jwks, { typ: 'at+jwt', algorithms: [alg] });
    expect(payload.sub).toBe('alice');
  });

  it('keeps one encoded header per typ', async () => {
    const signer = new JwsSigner('k', 'ES256', pairs.ES256.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const jwt = await signer.sign({ a: 1 }, 'at+jwt');
    const other = await signer.sign({ a: 1 }, 'JWT');
    expect(jwt.split('.')[0]).not.toBe(other.split('.')[0]);
    await expect(compactVerify(other, pairs.ES256.publicKey)).resolves.toBeDefined();
  });
});

describe('randomToken', () => {
  it('hands out distinct base64url values of the asked length, across pool refills', () => {
    const seen = new Set(Array.from({ length: 10000 }, () => randomToken(16)));
    expect(seen.size).toBe(10000);
    for (const value of [...seen].slice(0, 10)) expect(value).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(randomToken(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
