import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { IssuerContext } from '../../common/issuer-context';
import type { KeyRing } from '../../keys/key-ring';
import type { NestedJwt } from '../jwe/nested-jwt';
import { IdTokenHints } from './id-token-hints';

const ISSUER = 'https://id.example.com';

describe('IdTokenHints', () => {
  it('refuses a hint whose header brings a key (x5c, jwk), even signed by this server', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const keyRing = { verificationKey: (kid: string) => (kid === 'k1' ? { alg: 'ES256', key: publicKey } : undefined) } as unknown as KeyRing;
    // A signed hint (no JWE layer) comes out of the nested-JWT unwrapping as it went in.
    const nested = { unwrap: async (token: string) => token } as unknown as NestedJwt;
    const hints = new IdTokenHints(keyRing, { issuer: ISSUER } as IssuerContext, nested);
    const idToken = (header: Record<string, unknown> = {}) =>
      new SignJWT({ iss: ISSUER, sub: 'alice', aud: 'app' }).setProtectedHeader({ alg: 'ES256', kid: 'k1', ...header }).sign(privateKey);

    expect(await hints.clientOf(await idToken())).toBe('app');
    expect(await hints.clientOf(await idToken({ x5c: ['MIIB'] }))).toBeUndefined();
    expect(await hints.clientOf(await idToken({ jwk: await exportJWK(publicKey) }))).toBeUndefined();
  });
});
