import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { CompactSign, exportJWK, importPKCS8, type JWK } from 'jose';
import { KeyImporter, verifiesWithAny, VerifyKey } from './signature';

const payload = new TextEncoder().encode(JSON.stringify({ iss: 'c', sub: 'c' }));
async function* these(...keys: VerifyKey[]): AsyncGenerator<VerifyKey> {
  yield* keys;
}

async function jws(alg: string, privateKey: KeyObject | Uint8Array): Promise<string> {
  const key = privateKey instanceof KeyObject ? await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), alg) : privateKey;
  return new CompactSign(payload).setProtectedHeader({ alg }).sign(key);
}

describe('verifiesWithAny (RFC 7515 §5.2, RFC 7518 §3, RFC 8725 §3.1)', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ed = generateKeyPairSync('ed25519');

  it.each([
    ['RS256', rsa], ['RS512', rsa], ['PS256', rsa], ['ES256', ec], ['ES384', ec384], ['EdDSA', ed],
  ] as const)('verifies %s made by jose with the public key', async (alg, pair) => {
    expect(await verifiesWithAny(await jws(alg, pair.privateKey), alg, these(pair.publicKey))).toBe(true);
  });

  it('refuses a key of another type than alg needs, whatever it is handed', async () => {
    const token = await jws('ES256', ec.privateKey);
    expect(await verifiesWithAny(token, 'ES256', these(rsa.publicKey, ed.publicKey, ec384.publicKey))).toBe(false);
    expect(await verifiesWithAny(token, 'ES256', these(rsa.publicKey, ec.publicKey))).toBe(true); // the right one, second
  });

  it('refuses an RSA key shorter than 2048 bits', async () => {
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const token = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
    const signature = sign('sha256', Buffer.from(token), short.privateKey).toString('base64url');
    expect(await verifiesWithAny(`${token}.${signature}`, 'RS256', these(short.publicKey))).toBe(false);
  });

  it('refuses an ECDSA signature in DER instead of R || S, and a tampered payload', async () => {
    const input = `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
    const der = sign('sha256', Buffer.from(input), ec.privateKey).toString('base64url');
    expect(await verifiesWithAny(`${input}.${der}`, 'ES256', these(ec.publicKey))).toBe(false);
    const [header, , signature] = (await jws('ES256', ec.privateKey)).split('.');
    expect(await verifiesWithAny(`${header}.${Buffer.from('{"sub":"x"}').toString('base64url')}.${signature}`, 'ES256', these(ec.publicKey))).toBe(false);
  });

  it('checks HMAC in constant time with the secret, and never with a public key', async () => {
    const secret = new TextEncoder().encode('s'.repeat(43));
    const token = await jws('HS256', secret);
    expect(await verifiesWithAny(token, 'HS256', these(secret))).toBe(true);
    expect(await verifiesWithAny(token, 'HS256', these(new TextEncoder().encode('t'.repeat(43))))).toBe(false);
    expect(await verifiesWithAny(token, 'HS256', these(rsa.publicKey))).toBe(false);
  });

  it('knows no alg none', async () => {
    expect(await verifiesWithAny('e30.e30.', 'none', these(rsa.publicKey))).toBe(false);
  });
});

describe('KeyImporter', () => {
  it('skips private and symmetric JWKs in a key set, and imports each public one once', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicJwk = (await exportJWK(ec.publicKey)) as JWK;
    const privateJwk = (await exportJWK(ec.privateKey)) as JWK;
    const importer = new KeyImporter();
    const collect = async (keys: JWK[]) => {
      const out: VerifyKey[] = [];
      for await (const key of importer.fromJwks(keys, 'ES256')) out.push(key);
      return out;
    };
    const first = await collect([privateJwk, { kty: 'oct', k: 'c2VjcmV0' }, publicJwk]);
    expect(first).toHaveLength(1);
    expect((first[0] as KeyObject).type).toBe('public');
    expect((await collect([publicJwk]))[0]).toBe(first[0]);
  });
});
