import type { RegisteredClient } from '../../clients/registered-client';
import { OAuthError } from '../../common/oauth-error';
import { registeredClient } from '../../../test/support/registered-client';
import { allowedAudience, resolveAudience } from './audience';

function client(audience: string[] = []): RegisteredClient {
  return registeredClient({ audience });
}

const API = 'https://api.example.com';
const OTHER = 'https://other.example.com';

/** The OAuth error `run` throws, for whole-error assertions. */
function errorOf(run: () => unknown): { code: string; description: string; status: number } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    const { code, description, status } = error as OAuthError;
    return { code, description, status };
  }
  throw new Error('expected an OAuthError');
}

describe('resolveAudience', () => {
  describe('with resource indicators (RFC 8707)', () => {
    it('sets aud to the requested resources the client registered, in request order', () => {
      expect(resolveAudience(client([API, OTHER]), [OTHER, API], ['https://grant.example'], [])).toEqual([OTHER, API]);
    });

    it('names a repeated resource once', () => {
      expect(resolveAudience(client([API]), [API, API], undefined, [])).toEqual([API]);
    });

    it('lets a requested resource win over the audience the grant chose', () => {
      expect(resolveAudience(client([API]), [API], [OTHER], [])).toEqual([API]);
    });

    it('refuses a resource the client did not register with invalid_target (§2)', () => {
      expect(errorOf(() => resolveAudience(client([API]), [API, 'https://evil.example.com'], undefined, []))).toEqual({
        code: 'invalid_target',
        description: 'resource not allowed for this client: https://evil.example.com',
        status: 400,
      });
    });

    it('refuses a resource while the client registered no audience at all, whatever the defaults', () => {
      expect(errorOf(() => resolveAudience(client(), [API], [API], [API])).code).toBe('invalid_target');
    });

    it.each([
      ['a relative reference', '/api'],
      ['a bare host name', 'api.example.com'],
      ['an empty string', ''],
    ])('refuses %s: a resource MUST be an absolute URI (§2)', (_, resource) => {
      expect(errorOf(() => resolveAudience(client([resource]), [resource], undefined, []))).toEqual({
        code: 'invalid_target',
        description: `resource must be an absolute URI without a fragment: ${resource}`,
        status: 400,
      });
    });

    it('refuses a resource with a fragment, even an empty one: it MUST NOT include one (§2)', () => {
      for (const resource of [`${API}/#part`, `${API}#`]) {
        expect(errorOf(() => resolveAudience(client([resource]), [resource], undefined, [])).description).toBe(
          `resource must be an absolute URI without a fragment: ${resource}`,
        );
      }
    });

    it('accepts any absolute URI the client registered, not only https URLs', () => {
      expect(resolveAudience(client(['urn:example:orders']), ['urn:example:orders'], undefined, [])).toEqual(['urn:example:orders']);
    });

    it('checks the form before the registration, so a malformed resource is named as such', () => {
      expect(errorOf(() => resolveAudience(client([API]), ['not a uri'], undefined, [])).description).toBe(
        'resource must be an absolute URI without a fragment: not a uri',
      );
    });
  });

  describe('without resource indicators', () => {
    it("uses the grant's audience first", () => {
      expect(resolveAudience(client([API]), [], [OTHER], ['https://default.example'])).toEqual([OTHER]);
    });

    it("falls back to the client's registered audience when the grant chose none (or an empty one)", () => {
      expect(resolveAudience(client([API, OTHER]), [], undefined, ['https://default.example'])).toEqual([API, OTHER]);
      expect(resolveAudience(client([API]), [], [], ['https://default.example'])).toEqual([API]);
    });

    it('falls back to [oauth.token] default_audience, then to the client_id', () => {
      expect(resolveAudience(client(), [], undefined, ['https://default.example'])).toEqual(['https://default.example']);
      expect(resolveAudience(client(), [], undefined, [])).toEqual(['c1']);
    });

    it("returns a copy, never the client's or the settings' own array", () => {
      const registered = client([API]);
      const defaults = ['https://default.example'];
      const grant = [OTHER];
      expect(resolveAudience(registered, [], undefined, [])).not.toBe(registered.audience);
      expect(resolveAudience(client(), [], undefined, defaults)).not.toBe(defaults);
      expect(resolveAudience(client(), [], grant, [])).not.toBe(grant);
    });
  });
});

describe('allowedAudience', () => {
  it("is the client's registered audience, else default_audience, else the client itself", () => {
    expect(allowedAudience(client([API]), [OTHER])).toEqual([API]);
    expect(allowedAudience(client(), [OTHER])).toEqual([OTHER]);
    expect(allowedAudience(client(), [])).toEqual(['c1']);
  });

  it('matches what resolveAudience gives a request that names no resource and no grant audience', () => {
    for (const [registered, defaults] of [[[API], [OTHER]], [[], [OTHER]], [[], []]] as string[][][]) {
      expect(resolveAudience(client(registered), [], undefined, defaults)).toEqual([...allowedAudience(client(registered), defaults)]);
    }
  });
});
