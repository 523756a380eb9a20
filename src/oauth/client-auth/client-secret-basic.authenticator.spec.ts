import { decodeBasic } from './client-secret-basic.authenticator';

const header = (raw: string) => `Basic ${Buffer.from(raw).toString('base64')}`;

describe('decodeBasic (RFC 6749 §2.3.1)', () => {
  it('form-urldecodes both halves', () => {
    expect(decodeBasic(header('my%20client:s%3Acret+x'))).toEqual({ clientId: 'my client', secret: 's:cret x' });
  });

  it('splits at the first colon only', () => {
    expect(decodeBasic(header('id:a:b'))).toEqual({ clientId: 'id', secret: 'a:b' });
  });

  it.each(['Basic !!!', header('no-colon'), header(':secret-only'), header('%zz:x')])('fails %s with invalid_client', (value) => {
    expect(() => decodeBasic(value)).toThrow(expect.objectContaining({ code: 'invalid_client', status: 401 }));
  });
});
