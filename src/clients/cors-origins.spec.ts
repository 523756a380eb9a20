import { OAuthError } from '../common/oauth-error';
import { corsOrigin, effectiveCorsOrigins } from './cors-origins';

function refusal(value: unknown): string {
  try {
    corsOrigin(value);
  } catch (error) {
    return (error as OAuthError).description;
  }
  throw new Error(`accepted ${String(value)}`);
}

describe('corsOrigin: an origin exactly as a browser sends it (RFC 6454 §6.2)', () => {
  it('accepts https origins, with a port, and http on loopback hosts', () => {
    for (const origin of ['https://app.example', 'https://app.example:8443', 'http://localhost:5173', 'http://127.0.0.1:3000', 'http://[::1]:8080', 'https://xn--bcher-kva.example']) {
      expect(corsOrigin(origin)).toBe(origin);
    }
  });

  it('refuses anything a browser never sends as Origin: path, query, fragment, default port, upper case, user information', () => {
    for (const value of ['https://app.example/', 'https://app.example/x', 'https://app.example?q', 'https://app.example#f', 'https://app.example:443', 'http://localhost:80', 'https://APP.example', 'https://u:p@app.example']) {
      expect(refusal(value)).toMatch(/^allowed_cors_origins: must be the bare origin https?:\/\/[a-z.]+, without path, query, fragment or default port: /);
    }
  });

  it('refuses wildcards, other schemes, plain http off loopback, and what is no URL', () => {
    expect(refusal('*')).toBe('allowed_cors_origins: wildcards are not allowed; list each origin: "*"');
    expect(refusal('https://*.example')).toBe('allowed_cors_origins: wildcards are not allowed; list each origin: "https://*.example"');
    expect(refusal('http://app.example')).toBe('allowed_cors_origins: http is allowed only for loopback hosts; use https: "http://app.example"');
    expect(refusal('chrome-extension://abcdef')).toBe('allowed_cors_origins: must be an https origin: "chrome-extension://abcdef"');
    expect(refusal('null')).toBe('allowed_cors_origins: not an origin (scheme://host[:port]): "null"');
    expect(refusal('https://app .example')).toBe('allowed_cors_origins: must be printable ASCII without spaces: "https://app .example"');
    expect(refusal('')).toBe('allowed_cors_origins must be an array of origins (scheme://host[:port])');
  });
});

describe('effectiveCorsOrigins: what the token endpoint compares Origin with', () => {
  const redirects = ['https://spa.example/callback', 'https://spa.example/silent', 'http://localhost:5173/cb', 'com.example.app:/oauth'];

  it('is the registered list when there is one, whatever the client type ([] means none)', () => {
    expect([...effectiveCorsOrigins(['https://a.example'], 'none', redirects)]).toEqual(['https://a.example']);
    expect([...effectiveCorsOrigins(['https://a.example'], 'client_secret_basic', redirects)]).toEqual(['https://a.example']);
    expect(effectiveCorsOrigins([], 'none', redirects).size).toBe(0);
  });

  it('is, for a public client that registered none, the web origins of its redirect URIs (a private-use scheme has none)', () => {
    expect([...effectiveCorsOrigins(null, 'none', redirects)]).toEqual(['https://spa.example', 'http://localhost:5173']);
  });

  it('is empty for a confidential client that registered none', () => {
    expect(effectiveCorsOrigins(null, 'client_secret_basic', redirects).size).toBe(0);
    expect(effectiveCorsOrigins(null, 'private_key_jwt', redirects).size).toBe(0);
  });
});
