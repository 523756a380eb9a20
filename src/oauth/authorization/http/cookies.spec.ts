import { cookieName, cookieNameSafe } from './cookies';

/** RFC 6265 §4.1.1: a cookie name is an RFC 2616 token — no CTLs, no separators. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

describe('cookie names', () => {
  it('keeps the default tenant\'s names as they always were', () => {
    expect(cookieName('grantry_session', true)).toBe('__Host-grantry_session');
    expect(cookieName('grantry_session', false)).toBe('grantry_session');
  });

  it('carries a tenant\'s domain in the name, still __Host- over https', () => {
    expect(cookieName('grantry_session', true, 'wso2.com')).toBe('__Host-grantry_session.wso2.com');
    expect(cookieName('grantry_interaction', false, 'a-b.example')).toBe('grantry_interaction.a-b.example');
  });

  it('leaves a DNS domain as it is and encodes anything else into a token, one name per domain', () => {
    expect(cookieNameSafe('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
    const odd = ['a b', 'a;b', 'a=b', 'a(b)', 'a/b', 'a%20b', 'é', "a'b", 'a~b'];
    for (const domain of odd) expect(cookieNameSafe(domain)).toMatch(TOKEN);
    expect(new Set(odd.map(cookieNameSafe)).size).toBe(odd.length);
  });
});
