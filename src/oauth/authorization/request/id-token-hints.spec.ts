import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { IssuerContext } from '../../../common/issuer-context';
import type { KeyRing } from '../../../keys/key-ring';
import type { NestedJwt } from '../../jwe/nested-jwt';
import { IdTokenHints } from './id-token-hints';

const ISSUER = 'https://id.example.com';

describe('IdTokenHints', () => {
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let hints: IdTokenHints;
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT', ...header }).sign(privateKey);
  const idToken = (header: Record<string, unknown> = {}) => sign({ iss: ISSUER, sub: 'alice', aud: 'app', iat: now, exp: now + 60 }, header);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const keyRing = { verificationKey: (kid: string) => (kid === 'k1' ? { alg: 'ES256', key: pair.publicKey } : undefined) } as unknown as KeyRing;
    // A signed hint (no JWE layer) comes out of the nested-JWT unwrapping as it went in.
    const nested = { unwrap: async (token: string) => token } as unknown as NestedJwt;
    hints = new IdTokenHints(keyRing, { issuer: ISSUER } as IssuerContext, nested);
  });

  it('refuses a hint whose header brings a key (x5c, jwk), even signed by this server', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    expect(await hints.clientOf(await idToken())).toBe('app');
    expect(await hints.clientOf(await idToken({ x5c: ['MIIB'] }))).toBeUndefined();
    expect(await hints.clientOf(await idToken({ jwk: await exportJWK(publicKey) }))).toBeUndefined();
  });

  it('accepts an expired ID token: the hint says who, not that anything is valid', async () => {
    const expired = await sign({ iss: ISSUER, sub: 'alice', aud: ['app', 'api'], azp: 'app', iat: now - 7200, exp: now - 3600 });
    expect(await hints.subjectFor(expired, 'app')).toBe('alice');
    expect(await hints.clientOf(expired)).toBe('app');
  });

  it('refuses another JWT this server signed: a signed userinfo response (typ JWT, no iat or exp)', async () => {
    // OIDC Core §5.3.2: what userinfo_signed_response_alg clients get — iss, aud and sub like an ID token.
    const userinfo = await sign({ iss: ISSUER, aud: 'app', sub: 'alice', email: 'alice@example.com' });
    expect(await hints.subjectFor(userinfo, 'app')).toBeUndefined();
    expect(await hints.clientOf(userinfo)).toBeUndefined();
  });

  it.each([
    ['iat', { iat: undefined }],
    ['exp', { exp: undefined }],
    ['sub', { sub: undefined }],
    ['a numeric iat', { iat: String(now) }],
    ['a numeric exp', { exp: String(now + 60) }],
    ['a string sub', { sub: 7 }],
  ])('refuses a hint without %s (OIDC Core §2)', async (_, changed) => {
    const claims = Object.fromEntries(Object.entries({ iss: ISSUER, sub: 'alice', aud: 'app', iat: now, exp: now + 60, ...changed }).filter(([, value]) => value !== undefined));
    const hint = await sign(claims);
    expect(await hints.clientOf(hint)).toBeUndefined();
    expect(await hints.subjectFor(hint, 'app')).toBeUndefined();
  });
});
