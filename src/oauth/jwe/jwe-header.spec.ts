import { inspectJwe, looksLikeJwe, MAX_JWE_BYTES, sameContentType } from './jwe-header';
import { JweRefusal } from './jwe-refusal';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const jwe = (header: unknown, body = 'QUJD') => `${b64(header)}.${body}.${body}.${body}.${body}`;
const allow = { algs: new Set(['RSA-OAEP-256', 'ECDH-ES']), encs: ['A256GCM', 'A128CBC-HS256'] };

function refusal(token: string, allowList = allow): JweRefusal {
  try {
    inspectJwe(token, allowList);
  } catch (error) {
    if (error instanceof JweRefusal) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('inspectJwe (before any crypto: jose CVE-2022-36083, CVE-2024-28176 patterns)', () => {
  it('passes a header on the allow-lists through', () => {
    expect(inspectJwe(jwe({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'k', cty: 'JWT' }), allow)).toEqual({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'k', cty: 'JWT' });
  });

  it.each([
    ['PBES2', { alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2c: 1e9 }, 'JWE alg PBES2-HS512+A256KW is not accepted (accepted: ECDH-ES, RSA-OAEP-256)', 'assertion_jwe_refused'],
    ['dir', { alg: 'dir', enc: 'A256GCM' }, 'JWE alg dir is not accepted (accepted: ECDH-ES, RSA-OAEP-256)', 'assertion_jwe_refused'],
    ['RSA1_5', { alg: 'RSA1_5', enc: 'A256GCM' }, 'JWE alg RSA1_5 is not accepted (accepted: ECDH-ES, RSA-OAEP-256)', 'assertion_jwe_refused'],
    ['zip', { alg: 'RSA-OAEP-256', enc: 'A256GCM', zip: 'DEF' }, 'compressed JWEs (zip) are not accepted', 'assertion_jwe_refused'],
    ['an enc off the list', { alg: 'RSA-OAEP-256', enc: 'A192GCM' }, 'JWE enc A192GCM is not accepted (accepted: A256GCM, A128CBC-HS256)', 'assertion_jwe_refused'],
    ['crit', { alg: 'RSA-OAEP-256', enc: 'A256GCM', crit: ['exp'] }, 'the JWE has critical header parameters this server does not support', 'assertion_jwe_refused'],
    ['a jku', { alg: 'RSA-OAEP-256', enc: 'A256GCM', jku: 'https://evil.example' }, 'the JWE header carries jku; grantry decrypts with its own keys only', 'assertion_jwe_refused'],
    ['a non-string kid', { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 7 }, 'the JWE kid is not a string of 1-128 printable ASCII characters', 'assertion_malformed'],
    ['a kid with a line break', { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'a\nb' }, 'the JWE kid is not a string of 1-128 printable ASCII characters', 'assertion_malformed'],
    ['a long alg, without echoing it', { alg: 'x'.repeat(5000), enc: 'A256GCM' }, 'JWE alg (unrecognised) is not accepted (accepted: ECDH-ES, RSA-OAEP-256)', 'assertion_jwe_refused'],
    ['an array header', [1, 2], 'the JWE protected header is not a JSON object', 'assertion_malformed'],
  ])('refuses %s', (_, header, description, reason) => {
    expect(refusal(jwe(header))).toMatchObject({ description, reason });
  });

  it('refuses what is too large, not five base64url parts, or not JSON', () => {
    expect(refusal('a'.repeat(MAX_JWE_BYTES + 1)).description).toBe(`the encrypted assertion is larger than ${MAX_JWE_BYTES} bytes`);
    expect(refusal('a.b.c.d').description).toBe('the encrypted assertion is not a compact JWE');
    expect(refusal('a.b.c!.d.e').description).toBe('the encrypted assertion is not a compact JWE');
    expect(refusal(`${b64('{"alg"')}.a.b.c.d`).description).toBe('the JWE protected header is not JSON');
  });

  it('refuses every JWE while the server holds no encryption key, as assertion_malformed (docs/reason-codes.md)', () => {
    expect(refusal(jwe({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }), { algs: new Set(), encs: allow.encs })).toMatchObject({
      description: 'encrypted assertions (JWE) are not accepted: this server has no encryption key configured',
      reason: 'assertion_malformed',
    });
  });

  // RFC 7519 §5.2 with RFC 7515 §4.1.10: "application/" may be left out, and case does not matter.
  it('checks the cty the caller asks for before any crypto, as a media type', () => {
    const nested = { ...allow, cty: 'JWT' };
    for (const cty of ['JWT', 'jwt', 'application/jwt', 'Application/JWT']) {
      expect(inspectJwe(jwe({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty }), nested).cty).toBe(cty);
    }
    for (const cty of [undefined, 'JSON', 'text/jwt', 'application/jwt+json']) {
      expect(refusal(jwe({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty }), nested)).toMatchObject({ description: 'an encrypted assertion must be a nested JWT (cty "JWT")', reason: 'assertion_malformed' });
    }
    expect(sameContentType('jwt', 'application/JWT')).toBe(true);
  });

  it('tells a JWE from a JWS by its five parts', () => {
    expect(looksLikeJwe('a.b.c.d.e')).toBe(true);
    expect(looksLikeJwe('a.b.c')).toBe(false);
    expect(looksLikeJwe('a.b.c.d.e.f')).toBe(false);
  });
});
