import { UsersSettings } from '../config/config.schema';
import { PasswordHasher } from './password-hasher';

const settings = (overrides: Partial<UsersSettings> = {}) => Object.assign(new UsersSettings(), { scrypt_log_n: 14, scrypt_p: 1 }, overrides);

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(settings());

  it('verifies the password it hashed, and nothing else', async () => {
    const stored = await hasher.hash('correct horse battery');
    expect(stored).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await hasher.verify('correct horse battery', stored)).toBe(true);
    expect(await hasher.verify('correct horse batterY', stored)).toBe(false);
    expect(await hasher.hash('correct horse battery')).not.toBe(stored); // salted
  });

  it('treats NFKC-equivalent spellings as one password', async () => {
    expect(await hasher.verify('ﬁle cabinet key', await hasher.hash('file cabinet key'))).toBe(true);
  });

  it('never matches a malformed stored value', async () => {
    for (const stored of ['', 'plaintext', '$scrypt$ln=14,r=8,p=1$$', '$argon2id$v=19$m=1,t=1,p=1$a$b']) {
      expect(await hasher.verify('x', stored)).toBe(false);
    }
  });

  it('verifies a hash made with other parameters and reports it as outdated', async () => {
    const older = await new PasswordHasher(settings({ scrypt_r: 4 })).hash('correct horse battery');
    expect(await hasher.verify('correct horse battery', older)).toBe(true);
    expect(hasher.isOutdated(older)).toBe(true);
    expect(hasher.isOutdated(await hasher.hash('x'))).toBe(false);
  });

  it('spends a verification on a user that does not exist', async () => {
    const started = Date.now();
    await hasher.verifyNothing('anything');
    await hasher.verifyNothing('anything');
    expect(Date.now() - started).toBeGreaterThan(10);
  });
});
