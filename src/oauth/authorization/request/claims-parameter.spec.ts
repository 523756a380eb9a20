import { OAuthError } from '../../../common/oauth-error';
import { parseClaimsParameter } from './claims-parameter';

const refusal = (text: string) => {
  try {
    parseClaimsParameter(text);
  } catch (error) {
    return error instanceof OAuthError ? { error: error.code, error_description: error.description, status: error.status } : error;
  }
  throw new Error('not refused');
};

describe('the claims request parameter (OIDC Core §5.5)', () => {
  it('reads the individual claims of each member, null or with essential', () => {
    expect(parseClaimsParameter(JSON.stringify({ userinfo: { name: { essential: true }, email: null }, id_token: { email_verified: null } }))).toEqual({
      requested: { id_token: ['email_verified'], userinfo: ['name', 'email'] },
    });
  });

  it('ignores claims it does not know and top-level members other than userinfo and id_token (§5.5)', () => {
    expect(parseClaimsParameter(JSON.stringify({ userinfo: { shoe_size: null, 'http://example.info/claims/groups': null, name: null }, verified_claims: { x: 1 } }))).toEqual({
      requested: { id_token: [], userinfo: ['name'] },
    });
    expect(parseClaimsParameter('{}')).toEqual({ requested: { id_token: [], userinfo: [] } });
  });

  it('takes sub with value or values as the subjects the answer may be for; in both members, both must hold (§5.5.1)', () => {
    expect(parseClaimsParameter(JSON.stringify({ id_token: { sub: { value: 'u1' } } })).subjects).toEqual(['u1']);
    expect(parseClaimsParameter(JSON.stringify({ id_token: { sub: { values: ['u1', 'u2'] } } })).subjects).toEqual(['u1', 'u2']);
    expect(parseClaimsParameter(JSON.stringify({ id_token: { sub: { values: ['u1', 'u2'] } }, userinfo: { sub: { value: 'u2' } } })).subjects).toEqual(['u2']);
    expect(parseClaimsParameter(JSON.stringify({ id_token: { sub: { value: 'u1' } }, userinfo: { sub: { value: 'u2' } } })).subjects).toEqual([]);
    expect(parseClaimsParameter(JSON.stringify({ id_token: { sub: null }, userinfo: { sub: { essential: true } } })).subjects).toBeUndefined();
  });

  it('makes acr a requirement only when it is essential for the ID token (§5.5.1.1)', () => {
    expect(parseClaimsParameter(JSON.stringify({ id_token: { acr: { essential: true, values: ['a', 'b'] } } })).essentialAcr).toEqual(['a', 'b']);
    expect(parseClaimsParameter(JSON.stringify({ id_token: { acr: { essential: true, value: 'a' } } })).essentialAcr).toEqual(['a']);
    expect(parseClaimsParameter(JSON.stringify({ id_token: { acr: { essential: true } } })).essentialAcr).toEqual([]);
    expect(parseClaimsParameter(JSON.stringify({ id_token: { acr: { values: ['a'] } } })).essentialAcr).toBeUndefined();
    expect(parseClaimsParameter(JSON.stringify({ id_token: { acr: { essential: false, value: 'a' } } })).essentialAcr).toBeUndefined();
    expect(parseClaimsParameter(JSON.stringify({ userinfo: { acr: { essential: true, value: 'a' } } })).essentialAcr).toBeUndefined();
  });

  it.each([
    ['not JSON', '{name', 'the claims parameter is not valid JSON'],
    ['an array', '[]', 'the claims parameter must be a JSON object'],
    ['null', 'null', 'the claims parameter must be a JSON object'],
    ['a string member', '{"userinfo":"name"}', 'claims.userinfo must be a JSON object'],
    ['a null member', '{"id_token":null}', 'claims.id_token must be a JSON object'],
    ['a claim that is true', '{"userinfo":{"name":true}}', 'claims.userinfo.name must be null or a JSON object'],
    ['essential as a string', '{"userinfo":{"name":{"essential":"yes"}}}', 'claims.userinfo.name.essential must be true or false'],
    ['values not an array', '{"id_token":{"acr":{"values":"a"}}}', 'claims.id_token.acr.values must be an array'],
    ['a sub value that is no string', '{"id_token":{"sub":{"value":7}}}', 'claims.id_token.sub.value and .values must be strings'],
    ['acr values that are no strings', '{"id_token":{"acr":{"essential":true,"values":[1]}}}', 'claims.id_token.acr.value and .values must be strings'],
  ])('refuses %s with invalid_request at the redirect URI', (_, text, description) => {
    expect(refusal(text)).toEqual({ error: 'invalid_request', error_description: description, status: 302 });
  });

  it('ignores members named after Object.prototype properties (__proto__, constructor)', () => {
    expect(parseClaimsParameter('{"userinfo":{"__proto__":null,"constructor":null,"email":null}}')).toEqual({ requested: { id_token: [], userinfo: ['email'] } });
  });
});
