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
