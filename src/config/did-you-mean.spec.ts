import { didYouMean } from './did-you-mean';

describe('didYouMean', () => {
  it.each([
    ['prot', ['host', 'port', 'base_url'], 'port'],
    ['enabel', ['enable', 'order', 'properties'], 'enable'],
    ['PrivateKeyJwt', ['AppInfoCache', 'PrivateKeyJWT'], 'PrivateKeyJWT'],
    ['privat_key_jwt_authenticator', ['client_secret_basic', 'private_key_jwt_authenticator', 'private_key_jwt'], 'private_key_jwt_authenticator'],
    ['loging', ['server', 'logging', 'login'], 'logging'],
    ['PreventTokenReus', ['PreventTokenReuse', 'RejectBeforeInMinutes'], 'PreventTokenReuse'],
    ['acess_token_ttl', ['access_token_ttl', 'refresh_token_ttl'], 'access_token_ttl'],
  ])('suggests the nearest known name for %j', (name, known, expected) => {
    expect(didYouMean(name, known)).toBe(expected);
  });

  it.each([
    ['colour', ['host', 'port', 'base_url', 'body_limit', 'trust_proxy']],
    ['x', ['url', 'migrate']],
    ['database_password', ['url', 'migrate', 'schema', 'pool_size']],
  ])('suggests nothing when no known name is close to %j', (name, known) => {
    expect(didYouMean(name, known)).toBeUndefined();
  });

  it('prefers the closer name, and on a tie the one listed first', () => {
    expect(didYouMean('ordr', ['order', 'ordre'])).toBe('order');
    expect(didYouMean('lgin', ['login', 'logs', 'log'])).toBe('login');
  });
});
