import type { GrantryConfig } from '../../../config/config.schema';
import type { OAuthError } from '../../../common/oauth-error';
import { registeredClient } from '../../../../test/support/registered-client';
import type { AuthorizationPolicy } from './authorization-request';
import { RequestObjects } from './request-object';
import { registered } from './request-uri-fetch';

const unsigned = (claims: object) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
const policy = (unsignedAllowed: boolean) => ({ requestObjects: { unsigned: unsignedAllowed, params: 'oidc' } }) as AuthorizationPolicy;
// alg none never reaches the verifier, key source, decrypter or config.
const objects = new RequestObjects(null as never, null as never, null as never, null as never, null as never, null as unknown as GrantryConfig);

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'accepted';
  } catch (error) {
    return `${(error as OAuthError).code}: ${(error as OAuthError).description}`;
  }
}

describe('unsigned request objects (alg none)', () => {
  it('are taken where the profile allows them, from a client registered without a signing alg or with none', async () => {
    for (const requestObjectSigningAlg of [null, 'none']) {
      expect((await objects.verify(unsigned({ state: 's' }), registeredClient({ requestObjectSigningAlg }), policy(true))).claims).toEqual({ state: 's' });
    }
  });

  it('are refused by a profile that does not allow them, from a client registered with a signing alg, and with a signature', async () => {
    expect(await outcome(() => objects.verify(unsigned({}), registeredClient(), policy(false)))).toBe('invalid_request_object: unsigned request objects (alg none) are not allowed by the security profile');
    expect(await outcome(() => objects.verify(unsigned({}), registeredClient({ requestObjectSigningAlg: 'PS256' }), policy(true)))).toBe(
      'invalid_request_object: this client registered request_object_signing_alg PS256: unsigned request objects are refused',
    );
    expect(await outcome(() => objects.verify(`${unsigned({})}c2ln`, registeredClient(), policy(true)))).toBe('invalid_request_object: the request object is invalid or its signature does not verify');
  });
});

describe('registered request_uris (OIDC Registration §2)', () => {
  const client = registeredClient({ requestUris: ['https://rp.example/ro.jwt#v1', 'https://rp.example/other'] });
  it.each([
    ['https://rp.example/ro.jwt', true],
    ['https://rp.example/ro.jwt#v2', true],
    ['https://rp.example/other#x', true],
    ['https://rp.example/ro.jwt?x=1', false],
    ['https://rp.example/ro.jwt/', false],
    ['https://RP.example/ro.jwt', false],
    ['http://rp.example/ro.jwt', false],
  ])('%s: %s (exact match, fragment ignored)', (uri, expected) => {
    expect(registered(client, uri)).toBe(expected);
  });
});
