import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeText } from './support/certificates';
import { cli } from './support/cli';
import { freshDatabase, TestDatabase } from './support/database';

const ROOT = join(__dirname, '..');

/**
 * `grantry users ...`: passwords from a file, an environment variable or stdin — never from the
 * command line — and every change visible to the next command.
 */
describe('grantry users', () => {
  let db: TestDatabase;
  let configFile: string;
  const env = () => ({ TEST_MASTER_KEY: db.masterKey, USER_PASSWORD: 'from the environment' });

  beforeAll(async () => {
    db = freshDatabase();
    await db.prepare?.();
    const schema = db.schema ? `schema = "${db.schema}"\n` : '';
    configFile = writeText(db.dir, 'deployment.toml', `[database]\nurl = "${db.url}"\n${schema}\n[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n\n[users]\nscrypt_log_n = 14\nscrypt_p = 1\n`);
  });
  afterAll(() => db.drop());

  const run = (...args: string[]) => cli([...args, '--config', configFile], env());
  const json = async (...args: string[]) => {
    const result = await run(...args, '--json');
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout);
  };

  it('creates a user with a password from the environment, lists, shows and updates it', async () => {
    const user = await json('users', 'create', '--username', 'Olivia', '--password-env', 'USER_PASSWORD', '--claim', 'email=olivia@example.com', '--claim', 'name=Olivia O');
    expect(user).toMatchObject({ username: 'olivia', enabled: true, claims: { email: 'olivia@example.com', name: 'Olivia O' } });
    expect(JSON.stringify(user)).not.toMatch(/scrypt|password/);
    expect(await json('users', 'list', '--username', 'OLIVIA')).toEqual([expect.objectContaining({ id: user.id })]);
    expect((await json('users', 'show', user.id)).username).toBe('olivia');
    const table = await run('users', 'list');
    expect(table.stdout).toMatch(/^ID\s+USERNAME\s+ENABLED/);
    expect(await json('users', 'update', user.id, '--disable')).toMatchObject({ enabled: false });
    expect(await json('users', 'update', user.id, '--enable', '--username', 'liv')).toMatchObject({ enabled: true, username: 'liv' });
  });

  it('creates a user without a password and says how to set one', async () => {
    const created = await run('users', 'create', '--username', 'nopass');
    expect(created.status).toBe(0);
    expect(created.stderr).toMatch(/has no password: set one with grantry users set-password /);
  });

  it('sets a password from a file, and from stdin of the binary; refuses one on the command line', async () => {
    const user = await json('users', 'create', '--username', 'pat');
    const file = writeText(db.dir, `pw-${randomBytes(4).toString('hex')}`, 'a password in a file\nsecond line ignored\n');
    const fromFile = await run('users', 'set-password', user.id, '--password-file', file);
    expect(fromFile).toMatchObject({ status: 0, stdout: '' });
    expect(fromFile.stderr).toContain(`password of user ${user.id} set`);

    const piped = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'users', 'set-password', user.id, '--config', configFile], {
      env: { PATH: process.env.PATH, ...env() },
      input: 'a password from stdin\n',
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(piped.stderr).toContain(`password of user ${user.id} set`);
    expect(piped.status).toBe(0);

    const onCommandLine = await run('users', 'set-password', user.id, '--password', 'visible in ps');
    expect(onCommandLine.status).toBe(2);
    const weak = await run('users', 'set-password', user.id, '--password-env', 'SHORT');
    expect(weak.status).toBe(2);
    expect(weak.stderr).toContain('SHORT: the environment variable is not set');
    const tooShort = await cli(['users', 'set-password', user.id, '--password-env', 'PW', '--config', configFile], { ...env(), PW: 'short' });
    expect(tooShort.status).toBe(1);
    expect(tooShort.stderr).toContain('password must be at least 8 characters long');
  });

  it('deletes a user, and answers an unknown id with a clear failure', async () => {
    const user = await json('users', 'create', '--username', 'quinn');
    expect(await run('users', 'delete', user.id)).toMatchObject({ status: 0 });
    const shown = await run('users', 'show', user.id);
    expect(shown.status).toBe(1);
    expect(shown.stderr).toContain(`no user with id ${user.id}`);
  });

  it('prints help for users and runs nothing', async () => {
    const help = await cli(['users', 'create', '--help'], {});
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('grantry users set-password ID');
  });
});
