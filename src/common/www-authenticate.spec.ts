import { wwwAuthenticate } from './www-authenticate';

describe('wwwAuthenticate', () => {
  it('writes the challenges grantry answered with before it existed, byte for byte', () => {
    expect(wwwAuthenticate([{ scheme: 'Basic', realm: 'grantry' }])).toBe('Basic realm="grantry"');
    expect(wwwAuthenticate([{ scheme: 'Bearer', realm: 'grantry' }])).toBe('Bearer realm="grantry"');
    expect(wwwAuthenticate([{ scheme: 'Bearer', realm: 'grantry', error: 'invalid_token', errorDescription: 'the access token is invalid, expired or revoked' }])).toBe(
      'Bearer realm="grantry", error="invalid_token", error_description="the access token is invalid, expired or revoked"',
    );
    expect(wwwAuthenticate([{ scheme: 'Bearer', realm: 'api://orders', error: 'insufficient_scope', errorDescription: 'the access token lacks scope b', scope: 'a b' }])).toBe(
      'Bearer realm="api://orders", error="insufficient_scope", error_description="the access token lacks scope b", scope="a b"',
    );
  });

  it('offers several schemes in one field (RFC 9110 §11.6.1), DPoP with its algs (RFC 9449 §7.1)', () => {
    expect(wwwAuthenticate([
      { scheme: 'DPoP', algs: ['ES256', 'PS256'], error: 'invalid_token', errorDescription: 'bad' },
      { scheme: 'Bearer', realm: 'grantry', error: 'invalid_token', errorDescription: 'bad' },
    ])).toBe('DPoP error="invalid_token", error_description="bad", algs="ES256 PS256", Bearer realm="grantry", error="invalid_token", error_description="bad"');
    expect(wwwAuthenticate([{ scheme: 'DPoP' }])).toBe('DPoP');
  });

  it('keeps error attributes within the RFC 6750 §3 character set and quotes a realm (RFC 9110 §5.6.4)', () => {
    const challenge = wwwAuthenticate([{ scheme: 'Bearer', realm: 'say "hi" \\ there\r\n', error: 'x"y', errorDescription: 'scope "é" \\ no\nline', scope: 'a"b' }]);
    expect(challenge).toBe('Bearer realm="say \\"hi\\" \\\\ there", error="xy", error_description="scope   noline", scope="ab"');
  });
});
