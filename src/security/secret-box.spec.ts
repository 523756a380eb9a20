import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, under the same context', () => {
    const sealed = box.seal('private key', 'signing-key:abc');
    expect(sealed).not.toContain('private key');
    expect(box.open(sealed, 'signing-key:abc')).toBe('private key');
  });

  it('refuses a value moved to another row (context is authenticated)', () => {
    const sealed = box.seal('secret', 'client-secret:a');
    expect(() => box.open(sealed, 'client-secret:b')).toThrow();
  });

  it('refuses another key', () => {
    expect(() => new SecretBox(randomBytes(32)).open(box.seal('x', 'c'), 'c')).toThrow();
  });
});
