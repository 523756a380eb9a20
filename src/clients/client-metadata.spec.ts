import { OAuthError } from '../common/oauth-error';
import { parseClientMetadata } from './client-metadata';

function refusal(input: unknown): { code: string; description: string } {
  try {
    parseClientMetadata(input);
  } catch (error) {
    return { code: (error as OAuthError).code, description: (error as OAuthError).description };
  }
  throw new Error('accepted');
}

const withKeys = { client_name: 'rp', jwks_uri: 'https://rp.example/jwks' };

describe('parseClientMetadata: encrypted responses (OIDC Registration §2)', () => {
  it('defaults the enc to A128CBC-HS256 when only the alg is given', () => {
    const metadata = parseClientMetadata({ ...withKeys, id_token_encrypted_response_alg: 'ECDH-ES+A256KW' });
    expect(metadata.id_token_encrypted_response_alg).toBe('ECDH-ES+A256KW');
    expect(metadata.id_token_encrypted_response_enc).toBe('A128CBC-HS256');
    expect(metadata.userinfo_encrypted_response_alg).toBeNull();
  });

  it('refuses an enc without its alg', () => {
    expect(refusal({ ...withKeys, userinfo_encrypted_response_enc: 'A256GCM' }).code).toBe('invalid_client_metadata');
  });

  it('refuses an unknown alg or enc', () => {
    expect(refusal({ ...withKeys, id_token_encrypted_response_alg: 'RSA1_5' }).description).toContain('id_token_encrypted_response_alg must be one of');
    expect(refusal({ ...withKeys, id_token_encrypted_response_alg: 'RSA-OAEP-256', id_token_encrypted_response_enc: 'A192GCM' }).code).toBe('invalid_client_metadata');
  });

  it('refuses encryption without the client\'s keys', () => {
    expect(refusal({ client_name: 'rp', userinfo_encrypted_response_alg: 'RSA-OAEP-256' }).description).toContain('jwks or jwks_uri');
  });

  it('clears the enc with the alg on an update', () => {
    const base = parseClientMetadata({ ...withKeys, id_token_encrypted_response_alg: 'RSA-OAEP-256', id_token_encrypted_response_enc: 'A256GCM' });
    const updated = parseClientMetadata({ id_token_encrypted_response_alg: null }, base);
    expect(updated.id_token_encrypted_response_enc).toBeNull();
  });
});

describe('parseClientMetadata: display metadata (RFC 7591 §2, §2.2)', () => {
  it('keeps language-tagged variants and contacts', () => {
    const metadata = parseClientMetadata({ client_name: 'rp', 'client_name#ja-Jpan-JP': 'クライアント', 'tos_uri#fr': 'https://rp.example/cgu', contacts: ['ops@rp.example'] });
    expect(metadata.localized).toEqual({ 'client_name#ja-Jpan-JP': 'クライアント', 'tos_uri#fr': 'https://rp.example/cgu' });
    expect(metadata.contacts).toEqual(['ops@rp.example']);
  });

  it('refuses a script URL as a logo, in any letter case', () => {
    expect(refusal({ client_name: 'rp', logo_uri: 'JavaScript:alert(1)' }).code).toBe('invalid_client_metadata');
    expect(refusal({ client_name: 'rp', 'policy_uri#de': 'data:text/html,x' }).code).toBe('invalid_client_metadata');
  });

  it('refuses a tag on a field that takes none', () => {
    expect(refusal({ client_name: 'rp', 'scope#fr': 'a' }).description).toBe('unknown field scope#fr');
  });
});

describe('parseClientMetadata: pairwise sectors (OIDC Core §8.1)', () => {
  const pairwise = (redirect_uris: string[], extra: Record<string, unknown> = {}) => ({ client_name: 'rp', application_type: 'native', grant_types: ['authorization_code'], subject_type: 'pairwise', redirect_uris, ...extra });
  const NO_HOST = 'a pairwise client whose redirect_uris have no host (a private-use scheme) needs a sector_identifier_uri';
  const LOOPBACK = 'a pairwise client whose redirect_uris use a loopback host needs a sector_identifier_uri';

  it.each([
    [['com.victim.app:/cb'], NO_HOST],
    [['com.victim.app:/cb', 'com.victim.app:/other'], NO_HOST],
    [['http://127.0.0.1/cb'], LOOPBACK],
    [['http://127.0.0.1:8400/cb'], LOOPBACK],
    [['http://[::1]/cb'], LOOPBACK],
    [['http://localhost/cb'], LOOPBACK],
    [['https://a.example/cb', 'https://b.example/cb'], 'a pairwise client whose redirect_uris have several hosts needs a sector_identifier_uri'],
  ])('refuses a pairwise client with redirect_uris %j and no sector_identifier_uri', (uris, description) => {
    expect(refusal(pairwise(uris))).toEqual({ code: 'invalid_client_metadata', description });
  });

  it('accepts a sector_identifier_uri, one host of its own, or a public client', () => {
    expect(parseClientMetadata(pairwise(['com.victim.app:/cb'], { sector_identifier_uri: 'https://victim.example/sector.json' })).sector_identifier_uri).toBe('https://victim.example/sector.json');
    expect(parseClientMetadata(pairwise(['https://victim.example/cb', 'https://victim.example/other'])).subject_type).toBe('pairwise');
    expect(parseClientMetadata({ ...pairwise(['com.victim.app:/cb']), subject_type: 'public' }).subject_type).toBe('public');
  });

  it('lets a stored client keep the sector it has, and nothing else', () => {
    // Stored before the rule: a private-use scheme's sector ('') or the loopback host.
    const stored = { ...parseClientMetadata(pairwise(['https://victim.example/cb'])), redirect_uris: ['com.victim.app:/cb'] };
    expect(parseClientMetadata({ client_name: 'renamed' }, stored).client_name).toBe('renamed');
    expect(parseClientMetadata({ redirect_uris: ['com.victim.app:/other'] }, stored).redirect_uris).toEqual(['com.victim.app:/other']);
    expect(parseClientMetadata(pairwise(['com.victim.app:/cb']), undefined, 'registration', stored).redirect_uris).toEqual(['com.victim.app:/cb']);
    // Another sector that names no client of its own is refused like a new client.
    expect(() => parseClientMetadata({ redirect_uris: ['http://127.0.0.1/cb'] }, stored)).toThrow(LOOPBACK);
    const loopback = { ...stored, redirect_uris: ['http://127.0.0.1/cb'] };
    expect(() => parseClientMetadata({ redirect_uris: ['http://127.0.0.1:9000/cb'] }, loopback)).toThrow(LOOPBACK);
    // A client that had a sector of its own never gets a shared one.
    expect(() => parseClientMetadata({ redirect_uris: ['com.victim.app:/cb'] }, parseClientMetadata(pairwise(['https://victim.example/cb'])))).toThrow(NO_HOST);
  });
});
