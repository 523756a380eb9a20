import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { accessTokenHash, DpopProofError, normalisedHtu, verifyDpopProof } from './dpop-proof';

describe('normalisedHtu (RFC 9449 §4.3 (9))', () => {
  it('ignores scheme and host case, a default port, the query and the fragment', () => {
    expect(normalisedHtu('HTTPS://ID.Example.COM:443/oauth2/token?x=1#y')).toBe('https://id.example.com/oauth2/token');
    expect(normalisedHtu('http://id.example.com:80/oauth2/token')).toBe('http://id.example.com/oauth2/token');
  });

  it('keeps the path case and a port that is not the default', () => {
    expect(normalisedHtu('https://id.example.com:8443/OAuth2/Token')).toBe('https://id.example.com:8443/OAuth2/Token');
  });

  it('is undefined for what is no absolute http(s) URL', () => {
    for (const value of ['/oauth2/token', 'urn:x:y', 'ftp://id.example.com/x', 'not a url']) expect(normalisedHtu(value)).toBeUndefined();
  });
});

describe('verifyDpopProof', () => {
  const now = Math.floor(Date.now() / 1000);
  const expected = { htm: 'GET', htu: 'https://api.example/orders', now, maxAge: 60 };

  async function signed(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    return new SignJWT({ jti: 'j1', htm: 'GET', htu: 'https://api.example/orders', iat: now, ...claims }).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk, ...header }).sign(privateKey);
  }

  it('returns the key thumbprint, the jti and the iat of a good proof', async () => {
    const proof = await verifyDpopProof(await signed({ ath: accessTokenHash('t') }), { ...expected, accessToken: 't' });
    expect(proof).toEqual({ jkt: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), jti: 'j1', iat: now });
  });

  it.each([
    ['an alg outside the allow-list', {}, { alg: 'HS256' }, undefined],
    ['a symmetric key in jwk', {}, { jwk: { kty: 'oct', k: 'c2VjcmV0' } }, undefined],
    ['another htm', { htm: 'POST' }, {}, undefined],
    ['a missing ath where an access token is presented', {}, {}, 't'],
    ['an ath of another token', { ath: accessTokenHash('other') }, {}, 't'],
  ] as [string, Record<string, unknown>, Record<string, unknown>, string | undefined][])('refuses %s with invalid_dpop_proof', async (_name, claims, header, accessToken) => {
    const proof = (header as { alg?: string }).alg === 'HS256' ? `${Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'HS256' })).toString('base64url')}.e30.x` : await signed(claims, header);
    await expect(verifyDpopProof(proof, { ...expected, ...(accessToken ? { accessToken } : {}) })).rejects.toThrow(DpopProofError);
  });
});
