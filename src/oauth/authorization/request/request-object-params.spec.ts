import { OAuthError } from '../../../common/oauth-error';
import { SecurityProfile } from '../../core/security-profile';
import { mergeRequestObject } from './request-object-params';

const outer = { client_id: 'c1', response_type: 'code', scope: 'openid', redirect_uri: 'https://rp.example/cb', state: 'outer', request: 'x.y.z' };
const object = { iss: 'c1', aud: 'https://as.example', exp: 2e9, iat: 1e9, client_id: 'c1', response_type: 'code', scope: 'openid profile', state: 'inner', max_age: 60, claims: { id_token: { acr: null } } };

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return `${(error as OAuthError).code}: ${(error as OAuthError).description}`;
  }
  return 'accepted';
}

describe('which parameters of a request with a request object count', () => {
  it('OIDC Core §6.3 (baseline): the outside ones with the object\'s winning, JWT claims and request dropped, numbers and claims as form values', () => {
    expect(mergeRequestObject(outer, object, 'oidc')).toEqual({
      client_id: 'c1', response_type: 'code', scope: 'openid profile', redirect_uri: 'https://rp.example/cb', state: 'inner', max_age: '60', claims: '{"id_token":{"acr":null}}',
    });
  });

  it('RFC 9101 §6.3 (a FAPI profile): only the object\'s, with the outside client_id', () => {
    expect(mergeRequestObject(outer, object, 'object')).toEqual({ client_id: 'c1', response_type: 'code', scope: 'openid profile', state: 'inner', max_age: '60', claims: '{"id_token":{"acr":null}}' });
    // Nothing outside is required there: client_id and the object suffice.
    expect(mergeRequestObject({ client_id: 'c1' }, object, 'object').redirect_uri).toBeUndefined();
  });

  it('a plain OAuth request (no openid) under baseline is RFC 9101\'s: the object\'s only', () => {
    expect(mergeRequestObject({ client_id: 'c1', state: 'outer' }, { response_type: 'code', scope: 'read' }, 'oidc')).toEqual({ client_id: 'c1', response_type: 'code', scope: 'read' });
  });

  it.each([
    ['a different outside response_type', { ...outer, response_type: 'code id_token' }, object, 'invalid_request: response_type differs between the request object and the request (OIDC Core 6.1)'],
    ['no outside response_type', { client_id: 'c1', scope: 'openid' }, object, 'invalid_request: response_type is required outside the request object (OIDC Core 6.1)'],
    ['no openid outside', { client_id: 'c1', response_type: 'code' }, object, 'invalid_request: scope with openid is required outside the request object (OIDC Core 6.1)'],
    ['another client_id in the object', outer, { ...object, client_id: 'c2' }, 'invalid_request_object: the request object client_id differs from the client_id parameter'],
    ['a nested request_uri', outer, { ...object, request_uri: 'https://x' }, 'invalid_request_object: a request object must not contain request_uri'],
    ['an array value', outer, { ...object, prompt: ['login'] }, 'invalid_request_object: request object parameter prompt must be a string, a number or (claims) an object'],
  ])('baseline refuses %s', (_, outside, inside, expected) => {
    expect(refusal(() => mergeRequestObject(outside, inside, 'oidc'))).toBe(expected);
  });

  it('the profile decides: baseline takes unsigned objects and merges per OIDC; a stricter profile may do neither', () => {
    const baseline = new SecurityProfile({ name: 'baseline', pkce: { required: true, allowPlain: false } });
    expect([baseline.unsignedRequestObjects, baseline.requestObjectParams]).toEqual([true, 'oidc']);
    const strict = new SecurityProfile({ name: 'fapi', pkce: { required: true, allowPlain: false }, unsignedRequestObjects: false, requestObjectParams: 'object' });
    expect([strict.unsignedRequestObjects, strict.requestObjectParams]).toEqual([false, 'object']);
    expect(refusal(() => mergeRequestObject({ client_id: 'c1' }, object, strict.requestObjectParams))).toBe('accepted');
    expect(refusal(() => mergeRequestObject({ client_id: 'c1' }, object, baseline.requestObjectParams))).toMatch(/^invalid_request: response_type is required outside/);
  });
});
