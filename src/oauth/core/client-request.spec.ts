import { TokenRequest } from './client-request';

describe('TokenRequest.parse', () => {
  it('keeps each parameter once and drops empty values (RFC 6749 §3.1)', () => {
    const request = TokenRequest.parse({ grant_type: 'client_credentials', scope: '', client_id: 'a' }, undefined);
    expect(request.params).toEqual({ grant_type: 'client_credentials', client_id: 'a' });
    expect(request.scopes).toEqual([]);
  });

  it('rejects a repeated parameter (RFC 6749 §3.2)', () => {
    expect(() => TokenRequest.parse({ scope: ['a', 'b'] }, undefined)).toThrow('parameter scope is included more than once');
  });

  it('lets resource repeat (RFC 8707 §2)', () => {
    const request = TokenRequest.parse({ resource: ['https://a.example', 'https://b.example'] }, undefined);
    expect(request.resources).toEqual(['https://a.example', 'https://b.example']);
  });

  it('splits scope on spaces and removes duplicates', () => {
    expect(TokenRequest.parse({ scope: 'read  write read' }, undefined).scopes).toEqual(['read', 'write']);
  });
});
