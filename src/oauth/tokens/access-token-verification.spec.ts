import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { AccessTokenKey, isJwt, principalFromClaims, verifyJwtAccessToken } from './access-token-verification';

const ISSUER = 'https://id.example.com';
const now = () => Math.floor(Date.now() / 1000);

function rsaKey(): { privateKey: KeyObject; verify: AccessTokenKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, verify: { key: createPublicKey(privateKey), algs: ['RS256', 'PS256'] } };
}

const rsa = rsaKey();

function sign(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, privateKey: KeyObject = rsa.privateKey): Promise<string> {
  const payload: Record<string, unknown> = { iss: ISSUER, sub: 'alice', aud: 'api://orders', client_id: 'app', scope: 'read write', iat: now(), exp: now() + 60, jti: 'j1', ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k1', ...header } as never).sign(privateKey);
}

const verify = (token: string, keys: AccessTokenKey[] = [rsa.verify], checks: Partial<Parameters<typeof verifyJwtAccessToken>[2]> = {}) =>
  verifyJwtAccessToken(token, () => keys, { issuer: ISSUER, ...checks });

describe('access token verification (RFC 9068 §4)', () => {
  it('maps a valid token to its principal', async () => {
    const exp = now() + 60;
    const principal = await verify(await sign({ exp, gid: 'g1', idp: 'corp' }), [rsa.verify], { audience: 'api://orders' });
    expect(principal).toMatchObject({
      subject: 'alice',
      clientId: 'app',
      scopes: ['read', 'write'],
      audience: ['api://orders'],
      issuer: ISSUER,
      expiresAt: exp,
      grantId: 'g1',
      identityProvider: 'corp',
      jti: 'j1',
    });
    expect(typeof principal.issuedAt).toBe('number');
  });

  it.each([
    ['typ JWT', {}, { typ: 'JWT' }, 'typ JWT is not at+jwt'],
    ['no typ', {}, { typ: undefined }, 'typ undefined is not at+jwt'],
    ['a jwk in the header', {}, { jwk: { kty: 'RSA', n: 'x', e: 'AQAB' } }, 'header parameter jwk is not accepted'],
    ['an x5c in the header', {}, { x5c: ['MIIB'] }, 'header parameter x5c is not accepted'],
    ['an iat in the future', { iat: now() + 60 }, {}, 'iat is in the future'],
    ['no client_id', { client_id: undefined }, {}, 'missing required "client_id" claim'],
    ['no iat', { iat: undefined }, {}, 'missing required "iat" claim'],
    ['another issuer', { iss: 'https://evil.example' }, {}, 'unexpected "iss" claim value'],
    ['an expired token', { exp: now() - 1 }, {}, '"exp" claim timestamp check failed'],
    ['a token not valid yet', { nbf: now() + 60 }, {}, '"nbf" claim timestamp check failed'],
  ])('rejects %s', async (_, claims, header, reason) => {
    await expect(verify(await sign(claims, header))).rejects.toMatchObject({ name: 'AccessTokenRejected', message: reason });
  });

  it('accepts the media-type spelling application/at+jwt', async () => {
    await expect(verify(await sign({}, { typ: 'application/at+jwt' }))).resolves.toMatchObject({ subject: 'alice' });
  });

  it('checks the audience when asked: one of the configured ones must be in aud', async () => {
    const token = await sign({ aud: ['api://billing', 'api://orders'] });
    await expect(verify(token, [rsa.verify], { audience: ['api://orders'] })).resolves.toMatchObject({ audience: ['api://billing', 'api://orders'] });
    await expect(verify(token, [rsa.verify], { audience: 'api://shipping' })).rejects.toThrow('unexpected "aud" claim value');
  });

  it('allows clock tolerance for exp', async () => {
    await expect(verify(await sign({ exp: now() - 5 }), [rsa.verify], { clockTolerance: 30 })).resolves.toMatchObject({ subject: 'alice' });
  });

  it('allows clock tolerance for an iat in the future, and at least a second (both clocks count whole seconds)', async () => {
    await expect(verify(await sign({ iat: now() + 25 }), [rsa.verify], { clockTolerance: 30 })).resolves.toMatchObject({ subject: 'alice' });
    await expect(verify(await sign({ iat: now() + 35 }), [rsa.verify], { clockTolerance: 30 })).rejects.toThrow('iat is in the future');
    await expect(verify(await sign({ iat: now() + 1 }))).resolves.toMatchObject({ subject: 'alice' });
  });

  it('never allows none or HMAC, whatever the allow-list says', async () => {
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    await expect(verify(unsigned, [rsa.verify], { algorithms: ['none', 'RS256'] })).rejects.toThrow('alg none is not allowed');
    const hmac = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new Uint8Array(32));
    await expect(verify(hmac, [rsa.verify], { algorithms: ['HS256', 'RS256'] })).rejects.toThrow('alg HS256 is not allowed');
  });

  it('ties the algorithm to the key: a key registered for PS256 does not verify RS256', async () => {
    await expect(verify(await sign(), [{ ...rsa.verify, algs: ['PS256'] }])).rejects.toThrow('no RS256 key with kid k1 to verify the token');
  });

  it('tries each candidate key when several fit, and refuses when none verifies', async () => {
    const other = rsaKey();
    await expect(verify(await sign(), [other.verify, rsa.verify])).resolves.toMatchObject({ subject: 'alice' });
    await expect(verify(await sign(), [other.verify])).rejects.toThrow('signature verification failed');
  });

  it('lets a failing key source through unchanged (unreachable is not invalid)', async () => {
    const failure = new Error('JWKS unreachable');
    await expect(verifyJwtAccessToken(await sign(), () => Promise.reject(failure), { issuer: ISSUER })).rejects.toBe(failure);
  });

  it('tells JWTs from opaque tokens by their three parts', () => {
    expect(isJwt('a.b.c')).toBe(true);
    expect(isJwt('opaque-token')).toBe(false);
  });

  it('maps introspection answers with the same names, and refuses malformed claims', () => {
    expect(principalFromClaims({ active: true, sub: 's', client_id: 'c', exp: 1, aud: 'a' }, ISSUER)).toMatchObject({ issuer: ISSUER, audience: ['a'], scopes: [], issuedAt: undefined });
    expect(() => principalFromClaims({ sub: 's', client_id: 'c', exp: 1, scope: ['read'] }, ISSUER)).toThrow('scope is not a string');
    expect(() => principalFromClaims({ sub: 's', client_id: 'c', exp: 1, aud: [1] }, ISSUER)).toThrow('aud is not a string or an array of strings');
    expect(() => principalFromClaims({ sub: 's', exp: 1 }, ISSUER)).toThrow('client_id is missing or not a string');
  });
});
