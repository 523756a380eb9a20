import { PkceSettings } from '../../config/config.schema';
import { profileNamed } from '../core/profile-names';
import { checkClaims, checkHeader, ClaimRules } from './assertion-checks';

const fail = (description: string) => new Error(description);
const now = 1_800_000_000;
const rules: ClaimRules = { audiences: ['https://as.example/oauth2/token'], skewSeconds: 300, maxLifetimeSeconds: 3600, maxIatAgeSeconds: 300 * 60, requireJti: true };
const valid = { iss: 'c', sub: 'c', aud: 'https://as.example/oauth2/token', iat: now, exp: now + 3600, jti: 'j1' };

describe('checkClaims (RFC 7523 §3)', () => {
  it('accepts a one-hour assertion (what stock client libraries send)', () => {
    expect(() => checkClaims(valid, rules, fail, now)).not.toThrow();
  });

  it.each([
    [{ exp: undefined }, 'assertion has no numeric exp claim'],
    [{ exp: now - 301 }, 'assertion has expired'],
    [{ nbf: now + 301 }, 'assertion is not yet valid (nbf)'],
    [{ iat: now + 301 }, 'assertion iat is in the future'],
    [{ iat: now - 301 * 60, exp: now + 60 }, 'assertion was issued too long ago (iat older than 18000 s)'],
    [{ exp: now + 3601 }, 'assertion lifetime exceeds 3600 s'],
    [{ aud: ['https://elsewhere.example'] }, 'assertion aud does not name this server (expected "https://as.example/oauth2/token")'],
    [{ jti: undefined }, 'assertion has no jti, which single-use checking requires'],
    [{ jti: 'x'.repeat(256) }, 'assertion jti must be a non-empty string of at most 255 characters without NUL'],
    [{ jti: 'a\u0000b' }, 'assertion jti must be a non-empty string of at most 255 characters without NUL'],
  ])('rejects %j', (change, message) => {
    expect(() => checkClaims({ ...valid, ...change }, rules, fail, now)).toThrow(message);
  });

  it('accepts an expired-within-skew assertion and an aud array naming this server', () => {
    expect(() => checkClaims({ ...valid, exp: now - 10, aud: ['x', rules.audiences[0]] }, rules, fail, now)).not.toThrow();
  });

  it('takes a missing exp only where the rules make it optional (request objects), still checking the rest', () => {
    expect(() => checkClaims({ ...valid, exp: undefined }, { ...rules, requireExp: false }, fail, now)).not.toThrow();
    expect(() => checkClaims({ ...valid, exp: undefined, nbf: now + 301 }, { ...rules, requireExp: false }, fail, now)).toThrow('assertion is not yet valid (nbf)');
    expect(() => checkClaims({ ...valid, exp: now - 301 }, { ...rules, requireExp: false }, fail, now)).toThrow('assertion has expired');
    expect(() => checkClaims({ ...valid, exp: 'soon' as unknown as number }, { ...rules, requireExp: false }, fail, now)).toThrow('assertion has no numeric exp claim');
  });

  it('lets a negative cap disable the lifetime check', () => {
    expect(() => checkClaims({ ...valid, exp: now + 86400 * 30 }, { ...rules, maxLifetimeSeconds: -1 }, fail, now)).not.toThrow();
  });
});

describe('checkClaims under FAPI 2.0 SP §5.3.2.1 (issuer as the only audience, a bounded future)', () => {
  const issuer = 'https://as.example';
  const fapi: ClaimRules = { ...rules, audiences: [issuer], audienceAsString: true, futureSkewSeconds: profileNamed('fapi2-security', new PkceSettings()).futureSkewSeconds(300) };
  const fapiValid = { ...valid, aud: issuer };

  it('accepts the issuer as a string, iat and nbf up to 10 s ahead with no skew configured', () => {
    expect(() => checkClaims(fapiValid, fapi, fail, now)).not.toThrow();
    const noSkew = { ...fapi, futureSkewSeconds: profileNamed('fapi2-security', new PkceSettings()).futureSkewSeconds(0) };
    expect(() => checkClaims({ ...fapiValid, iat: now + 10, nbf: now + 10 }, noSkew, fail, now)).not.toThrow();
    expect(() => checkClaims({ ...fapiValid, iat: now + 11 }, noSkew, fail, now)).toThrow('assertion iat is in the future');
  });

  it.each([
    [{ aud: [issuer] }, 'assertion aud must be "https://as.example" as a single string'],
    [{ aud: 'https://as.example/oauth2/token' }, 'assertion aud must be "https://as.example" as a single string'],
    // 300 s of configured skew is cut to 60 s.
    [{ iat: now + 61 }, 'assertion iat is in the future'],
    [{ nbf: now + 61 }, 'assertion is not yet valid (nbf)'],
  ])('rejects %j', (change, message) => {
    expect(() => checkClaims({ ...fapiValid, ...change }, fapi, fail, now)).toThrow(message);
  });

  it('keeps the configured skew for exp', () => {
    expect(() => checkClaims({ ...fapiValid, exp: now - 200 }, fapi, fail, now)).not.toThrow();
  });
});

describe('checkHeader (RFC 8725 §3.1)', () => {
  it.each([
    [{ alg: 'none' }, 'assertion is unsigned (alg none)'],
    [{ alg: 'HS256' }, 'assertion alg HS256 is not allowed (allowed: RS256, ES256)'],
    [{ alg: 'RS256', jwk: { kty: 'RSA' } }, 'assertion header carries a key (jwk); keys come from registration only'],
    [{ alg: 'RS256', jku: 'https://evil.example/jwks' }, 'assertion header carries a key (jku); keys come from registration only'],
    [{ alg: 'RS256', x5u: 'https://evil.example/cert.pem' }, 'assertion header carries a key (x5u); keys come from registration only'],
    [{ alg: 'RS256', x5c: ['MIIB'] }, 'assertion header carries a key (x5c); keys come from registration only'],
    [{ alg: 'RS256', crit: ['exp'], exp: 1 }, 'assertion has critical header parameters this server does not support'],
  ])('rejects %j', (header, message) => {
    expect(() => checkHeader(header as never, ['RS256', 'ES256'], fail)).toThrow(message);
  });

  it('lets an x5c through only for a caller that pins it (compares it with a registered certificate)', () => {
    expect(checkHeader({ alg: 'RS256', x5c: ['MIIB'] }, ['RS256'], fail, { x5cPinned: true })).toBe('RS256');
    expect(() => checkHeader({ alg: 'RS256', x5c: ['MIIB'], jwk: { kty: 'RSA' } } as never, ['RS256'], fail, { x5cPinned: true })).toThrow('assertion header carries a key (jwk)');
  });
});
