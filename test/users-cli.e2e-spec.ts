import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeText } from './support/certificates';
import { cli, cliAt } from './support/cli';
import { freshDatabase, TestDatabase } from './support/database';
import { basic, createClient, startServer, tokenRequest } from './support/server';

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

  const { run, json } = cliAt(() => configFile, env);

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

  it('merges --claim into the claims a user has, removes one with --unset-claim, and replaces them all with --claims-file', async () => {
    const user = await json('users', 'create', '--username', 'rita', '--claim', 'email=rita@example.com', '--claim', 'name=Rita R', '--claim', 'nickname=rr');
    const updated = await json('users', 'update', user.id, '--claim', 'name=Rita Q', '--claim', 'email_verified=true', '--unset-claim', 'nickname');
    expect(updated.claims).toEqual({ email: 'rita@example.com', name: 'Rita Q', email_verified: true });
    expect((await json('users', 'show', user.id)).claims).toEqual(updated.claims);
    // Other options leave the claims alone.
    expect((await json('users', 'update', user.id, '--disable')).claims).toEqual(updated.claims);
    const file = writeText(db.dir, `claims-${randomBytes(4).toString('hex')}.json`, JSON.stringify({ email: 'r@example.org', groups: ['ops'] }));
    expect((await json('users', 'update', user.id, '--claims-file', file, '--claim', 'locale=fr')).claims).toEqual({ email: 'r@example.org', groups: ['ops'], locale: 'fr' });
    const both = await run('users', 'update', user.id, '--claim', 'locale=de', '--unset-claim', 'locale');
    expect(both).toEqual({ status: 2, stdout: '', stderr: 'grantry: --claim and --unset-claim both name locale\n' });
    expect((await run('users', 'create', '--username', 'sid', '--unset-claim', 'x')).status).toBe(2);
  });

  it('stores --claim values that are JSON as JSON: booleans, numbers, null, arrays, objects; anything else as text', async () => {
    const user = await json(
      'users', 'create', '--username', 'tess',
      '--claim', 'email_verified=true', '--claim', 'phone_number_verified=false', '--claim', 'age=42', '--claim', 'employee_id=null',
      '--claim', 'groups=["admins","ops"]', '--claim', 'address={"locality":"Paris","country":"FR"}',
      '--claim', 'name=Tess T', '--claim', 'zoneinfo=Europe/Paris', '--claim', 'nickname="true"', '--claim', 'account=12345678901234567890',
    );
    expect(user.claims).toStrictEqual({
      email_verified: true,
      phone_number_verified: false,
      age: 42,
      employee_id: null,
      groups: ['admins', 'ops'],
      address: { locality: 'Paris', country: 'FR' },
      name: 'Tess T',
      zoneinfo: 'Europe/Paris',
      nickname: 'true',
      account: '12345678901234567890',
    });
    expect((await json('users', 'show', user.id)).claims).toStrictEqual(user.claims);
  });

  it('keeps the JSON type OIDC Core §5.1 gives a standard claim, as the admin API does (resource-owners e2e)', async () => {
    const user = await json('users', 'create', '--username', 'ursula', '--claim', 'email=ursula@example.com');
    // Strings whatever they look like: a phone number, a nickname of true, a middle name of null.
    const updated = await json('users', 'update', user.id, '--claim', 'phone_number=4155551234', '--claim', 'nickname=true', '--claim', 'middle_name=null', '--claim', 'birthdate=1990');
    expect(updated.claims).toStrictEqual({ email: 'ursula@example.com', phone_number: '4155551234', nickname: 'true', middle_name: 'null', birthdate: '1990' });
    // The booleans, updated_at and address must have their types: refused like the admin API refuses them.
    expect(await run('users', 'update', user.id, '--claim', 'email_verified=yes')).toEqual({ status: 1, stdout: '', stderr: 'grantry: invalid_request: claims.email_verified must be true or false (OIDC Core section 5.1)\n' });
    expect(await run('users', 'update', user.id, '--claim', 'address=Paris')).toEqual({ status: 1, stdout: '', stderr: 'grantry: invalid_request: claims.address must be a JSON object (OIDC Core section 5.1)\n' });
  });

  it('drops one trailing line break of a --password-file (echo, an editor, Windows), and refuses a file of several lines', async () => {
    // The password grant of a server on the same database says which password the user has.
    const server = await startServer({ oauth: { grant_type: { password: { enable: true } } }, users: { scrypt_log_n: 14, scrypt_p: 1 } }, db);
    try {
      const client = await createClient(server, { grant_types: ['password'], scope: 'read' });
      const signsIn = async (username: string, password: string) =>
        (await tokenRequest(server, { grant_type: 'password', username, password }, { authorization: basic(client.client_id, client.client_secret!) })).status === 200;
      const created = writeText(db.dir, `pw-${randomBytes(4).toString('hex')}`, 'a password made with echo\n');
      await json('users', 'create', '--username', 'uma', '--password-file', created);
      expect(await signsIn('uma', 'a password made with echo')).toBe(true);
      const user = (await json('users', 'list', '--username', 'uma'))[0];
      for (const [ending, content] of [['LF', 'a password in a file\n'], ['CRLF', 'a password in a file\r\n'], ['none', 'a password in a file']]) {
        const file = writeText(db.dir, `pw-${randomBytes(4).toString('hex')}`, content);
        expect({ ending, ...(await run('users', 'set-password', user.id, '--password-file', file)) }).toMatchObject({ ending, status: 0 });
        expect({ ending, signsIn: await signsIn('uma', 'a password in a file') }).toEqual({ ending, signsIn: true });
      }
      for (const content of ['a password in a file\nsecond line\n', 'a password in a file\n\n', 'a password\rin a file']) {
        const file = writeText(db.dir, `pw-${randomBytes(4).toString('hex')}`, content);
        expect(await run('users', 'set-password', user.id, '--password-file', file)).toEqual({
          status: 2,
          stdout: '',
          stderr: `grantry: --password-file ${file}: the file holds more than one line; a password file holds the password alone (printf '%s' "$PASSWORD" > FILE)\n`,
        });
      }
      // keys import reads its --password-file the same way.
      const key = writeText(db.dir, 'not-a-key.pem', 'x');
      const twoLines = writeText(db.dir, `pw-${randomBytes(4).toString('hex')}`, 'one\ntwo\n');
      expect((await run('keys', 'import', '--file', key, '--password-file', twoLines)).stderr).toContain('the file holds more than one line');
    } finally {
      await server.close();
    }
  });

  it('sets a password from a file, and from stdin of the binary; refuses one on the command line', async () => {
    const user = await json('users', 'create', '--username', 'pat');
    const file = writeText(db.dir, `pw-${randomBytes(4).toString('hex')}`, 'a password in a file\n');
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
