import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from '../src/database/migrations';
import { pkcs12, selfSignedCertificate, writeText } from './support/certificates';
import { cli, grantry } from './support/cli';
import { freshDatabase, TestDatabase } from './support/database';
import { basic, startServer, tokenRequest } from './support/server';

/** A deployment file for `db`, the master key read from $env{TEST_MASTER_KEY}. */
function configFor(db: TestDatabase, extra = ''): string {
  const schema = db.schema ? `schema = "${db.schema}"\n` : '';
  return writeText(db.dir, `deployment-${randomBytes(4).toString('hex')}.toml`, `[database]\nurl = "${db.url}"\n${schema}${extra}\n[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n`);
}

describe('grantry CLI (in-process)', () => {
  let db: TestDatabase;
  let configFile: string;

  beforeAll(async () => {
    db = freshDatabase();
    await db.prepare?.();
    configFile = configFor(db);
  });
  afterAll(() => db.drop());

  const run = (...args: string[]) => cli([...args, '--config', configFile], { TEST_MASTER_KEY: db.masterKey });
  const json = async (...args: string[]) => JSON.parse((await run(...args, '--json')).stdout);

  it('creates a client on an empty database and prints it as bare JSON, the secret only then', async () => {
    const created = await run('clients', 'create', '--name', 'demo', '--grant-type', 'client_credentials', '--scope', 'read write', '--json');
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const client = JSON.parse(created.stdout);
    expect(client).toMatchObject({ client_name: 'demo', grant_types: ['client_credentials'], scope: 'read write' });
    expect(client.client_secret).toBeDefined();

    expect((await json('clients', 'show', client.client_id)).client_secret).toBeUndefined();
    expect((await json('clients', 'list')).map((c: { client_id: string }) => c.client_id)).toContain(client.client_id);
    expect((await run('clients', 'list')).stdout).toMatch(/^CLIENT_ID\s+CLIENT_NAME/);

    expect(await run('clients', 'delete', client.client_id)).toEqual({ status: 0, stdout: '', stderr: `deleted client ${client.client_id}\n` });
    expect(await run('clients', 'show', client.client_id)).toEqual({ status: 1, stdout: '', stderr: `grantry: not_found: no client with client_id ${client.client_id}\n` });
  });

  it('updates a client: only the options given change, a list option replaces the list', async () => {
    const client = await json('clients', 'create', '--name', 'to-update', '--grant-type', 'client_credentials', '--scope', 'read', '--audience', 'https://a.example');
    const updated = await json('clients', 'update', client.client_id, '--scope', 'read write', '--audience', 'https://b.example', '--introspect-any');
    expect(updated).toMatchObject({ client_name: 'to-update', scope: 'read write', audience: ['https://b.example'], introspect_any: true, grant_types: ['client_credentials'] });
    expect(updated.client_secret).toBeUndefined();
    expect((await json('clients', 'update', client.client_id, '--no-introspect-any')).introspect_any).toBe(false);
    expect((await run('clients', 'update', client.client_id)).status).toBe(2);
  });

  it('prints one record as a key/value listing without --json', async () => {
    const { stdout } = await run('clients', 'create', '--name', 'listed', '--scope', 'a b');
    expect(stdout).toMatch(/^client_id\s{2,}\S+\n/);
    expect(stdout).toMatch(/\nscope\s{2,}a b\n/);
  });

  it('explains bad input in one line with a non-zero exit: 2 for usage, 1 for a refused value', async () => {
    expect(await run('clients', 'create')).toEqual({ status: 2, stdout: '', stderr: 'grantry: --name is required\n' });
    const unsupported = await run('clients', 'create', '--name', 'x', '--grant-type', 'password');
    expect(unsupported.status).toBe(1);
    expect(unsupported.stderr).toMatch(/^grantry: invalid_client_metadata: grant_types not enabled on this server: password/);
    expect(await run('clients', 'create', '--name', 'x', '--colour', 'blue')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^grantry: Unknown option '--colour'/) });
    const bogus = await run('bogus');
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toMatch(/^grantry: unknown command bogus\n\nusage: grantry <command>/);
  });

  it('prints the usage on stdout with exit 0 for help', async () => {
    const help = await cli(['help']);
    expect(help.status).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^usage: grantry <command> \[--config PATH\] \[--tenant DOMAIN\]\n/);
  });

  it('prints --help of every command and subcommand with exit 0, running nothing (start --help does not start)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'grantry-help-'));
    try {
      const config = join(empty, 'none.toml'); // never read: help touches no file and no database
      for (const args of [['start', '--help'], ['migrate', '-h'], ['clients', '--help'], ['keys', 'import', '--help'], ['certs', 'import', '--help'], ['idps', 'create', '--help'], ['audit', 'list', '--help']]) {
        const { status, stdout, stderr } = await cli([...args, '--config', config]);
        expect({ args, status, stderr }).toEqual({ args, status: 0, stderr: '' });
        expect(stdout).toMatch(new RegExp(`^usage:\\ngrantry ${args[0]}`));
      }
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('prints its version with --version', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    expect(await cli(['--version'])).toEqual({ status: 0, stdout: `grantry ${version}\n`, stderr: '' });
  });

  it('answers --version and --help without loading Nest, a driver or a command (the built binary)', () => {
    // The modules the binary loads, by a preload that lists them as the process exits.
    const probe = writeText(db.dir, 'list-modules.js', "process.on('exit', () => process.stderr.write(Object.keys(require.cache).join('\\n')));\n");
    for (const args of [['--version'], ['--help'], ['clients', '--help'], ['start', '--help']]) {
      const result = spawnSync(process.execPath, ['--require', probe, join(__dirname, '..', 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8', cwd: db.dir });
      expect(result.status).toBe(0);
      const loaded = result.stderr.split('\n').filter((path) => path !== probe);
      expect(loaded.filter((path) => path.includes('node_modules'))).toEqual([]);
      expect(loaded.filter((path) => /commands|app\.module|database/.test(path))).toEqual([]);
    }
  });

  it('names a config file it cannot read', async () => {
    const missing = join(db.dir, 'missing.toml');
    const { status, stderr } = await cli(['clients', 'list', '--config', missing]);
    expect(status).toBe(1);
    expect(stderr).toMatch(new RegExp(`^grantry: cannot read config file ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ENOENT`));
  });

  it('generates, lists and rotates signing keys', async () => {
    const generated = await json('keys', 'generate', '--alg', 'ES256');
    expect(generated).toMatchObject({ alg: 'ES256', status: 'active', source: 'generated' }); // first of its alg
    expect((await json('keys', 'generate', '--alg', 'ES256')).status).toBe('published');
    const rotated = await json('keys', 'rotate', '--alg', 'ES256');
    const keys = (await json('keys', 'list')) as { kid: string; status: string }[];
    expect(keys.find((k) => k.kid === rotated.kid)!.status).toBe('active');
    expect(keys.find((k) => k.kid === generated.kid)!.status).toBe('retiring');
    expect(await run('keys', 'generate', '--alg', 'HS256')).toEqual({ status: 2, stdout: '', stderr: 'grantry: --alg must be one of RS256, PS256, ES256, EdDSA\n' });
  });

  it('imports a PKCS#12 keystore by alias and an encrypted PEM key', async () => {
    const p12 = pkcs12(db.dir, 'keystore', 'changeit', 'grantry');
    const imported = await run('keys', 'import', '--file', p12, '--password', 'changeit', '--alias', 'grantry', '--alg', 'PS256', '--json');
    expect(imported.stderr).toBe('');
    expect(JSON.parse(imported.stdout)).toMatchObject({ alg: 'PS256', source: 'imported', kty: 'RSA' });

    expect(await run('keys', 'import', '--file', p12, '--password', 'nope')).toEqual({
      status: 1,
      stdout: '',
      stderr: 'grantry: cannot open the PKCS#12 file: wrong password or corrupt file\n',
    });

    const pem = join(db.dir, 'ec.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes-256-cbc', '-pass', 'pass:secret', '-out', pem], { stdio: 'ignore' });
    expect(await json('keys', 'import', '--file', pem, '--password', 'secret')).toMatchObject({ alg: 'ES256', kty: 'EC' });
    expect((await run('keys', 'import', '--file', pem, '--password', 'secret')).stderr).toMatch(/already in the key store/);
  });

  it('takes a keystore password from a file or an environment variable, never needing the command line', async () => {
    const p12 = pkcs12(db.dir, 'keystore-2', 'changeit', 'grantry');
    const passwordFile = writeText(db.dir, 'keystore.pass', 'changeit\n');
    const fromFile = await run('keys', 'import', '--file', p12, '--password-file', passwordFile, '--alias', 'grantry', '--json');
    expect(fromFile.stderr).toBe('');
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ source: 'imported' });

    const other = pkcs12(db.dir, 'keystore-3', 'changeit', 'grantry');
    const fromEnv = await cli(['keys', 'import', '--file', other, '--password-env', 'KEYSTORE_PASSWORD', '--json', '--config', configFile], { TEST_MASTER_KEY: db.masterKey, KEYSTORE_PASSWORD: 'changeit' });
    expect(fromEnv.status).toBe(0);

    expect(await run('keys', 'import', '--file', other, '--password-env', 'UNSET_VARIABLE')).toEqual({ status: 2, stdout: '', stderr: 'grantry: --password-env UNSET_VARIABLE: the environment variable is not set\n' });
    expect((await run('keys', 'import', '--file', other, '--password', 'x', '--password-file', passwordFile)).stderr).toBe('grantry: give only one of --password, --password-file\n');
  });

  it('names a file it cannot read as a usage error', async () => {
    const missing = join(db.dir, 'nope.p12');
    const { status, stderr } = await run('keys', 'import', '--file', missing);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^grantry: cannot read .*nope\.p12: ENOENT/);
  });

  it('refuses an RSA key shorter than 2048 bits (RFC 7518 §3.3)', async () => {
    const weak = join(db.dir, 'weak.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', weak], { stdio: 'ignore' });
    expect(await run('keys', 'import', '--file', weak)).toEqual({
      status: 1,
      stdout: '',
      stderr: 'grantry: RSA key of 1024 bits refused: at least 2048 bits are required (RFC 7518 §3.3)\n',
    });
  });

  it('imports, lists and deletes truststore certificates', async () => {
    const { certFile } = selfSignedCertificate(db.dir, 'idp');
    expect(await json('certs', 'import', '--alias', 'idp', '--file', certFile)).toMatchObject({ alias: 'idp', subject: 'CN=idp' });
    expect(await json('certs', 'list')).toHaveLength(1);
    expect(await run('certs', 'delete', 'idp')).toEqual({ status: 0, stdout: '', stderr: 'deleted certificate idp\n' });
    expect(await json('certs', 'list')).toHaveLength(0);
  });

  it('applies every migration, oldest first, with grantry migrate', async () => {
    const other = freshDatabase();
    try {
      await other.prepare?.();
      const file = configFor(other, 'migrate = false\n');
      const env = { TEST_MASTER_KEY: other.masterKey };
      // PostgreSQL: the schema itself does not exist yet, and that is what the check runs into.
      // (A command that writes: one that only reads refuses a database that does not exist yet.)
      expect(await cli(['clients', 'create', '--name', 'early', '--config', file], env)).toEqual({
        status: 1,
        stdout: '',
        stderr: expect.stringMatching(/^grantry: (the database has pending migrations and \[database\] migrate = false: run `grantry migrate`|schema "t_\w+" does not exist)\n$/),
      });
      expect(await cli(['migrate', '--config', file], env)).toEqual({
        status: 0,
        stdout: `applied: ${MIGRATIONS.map((migration) => migration.name).join(', ')}\n`,
        stderr: '',
      });
      expect((await cli(['migrate', '--config', file], env)).stdout).toBe('the database schema is up to date\n');
    } finally {
      await other.drop();
    }
  });

  it('refuses a master key other than the one the database was set up with', async () => {
    const { status, stderr } = await cli(['clients', 'list', '--config', configFile], { TEST_MASTER_KEY: randomBytes(32).toString('base64url') });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^grantry: the master key does not match the one this database was set up with/);
  });
});

describe('the grantry binary (spawned)', () => {
  it('creates a client with --json that then gets a token from a server on the same database', async () => {
    const db = freshDatabase();
    try {
      await db.prepare?.();
      const created = grantry(['clients', 'create', '--name', 'demo', '--grant-type', 'client_credentials', '--json', '--config', configFor(db)], { TEST_MASTER_KEY: db.masterKey });
      expect(created.stderr).toBe('');
      expect(created.status).toBe(0);
      const client = JSON.parse(created.stdout);
      const server = await startServer({}, db);
      try {
        const issued = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret) });
        expect(issued.status).toBe(200);
      } finally {
        await server.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('exits 2 on a usage error and 1 on a failed command, with one line on stderr', async () => {
    const db = freshDatabase();
    try {
      await db.prepare?.();
      const config = configFor(db);
      expect(grantry(['clients', 'create', '--config', config], { TEST_MASTER_KEY: db.masterKey })).toEqual({ status: 2, stdout: '', stderr: 'grantry: --name is required\n' });
      expect(grantry(['clients', 'show', 'nobody', '--config', config], { TEST_MASTER_KEY: db.masterKey })).toEqual({
        status: 1,
        stdout: '',
        stderr: 'grantry: not_found: no client with client_id nobody\n',
      });
    } finally {
      await db.drop();
    }
  });
});
