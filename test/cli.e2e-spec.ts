import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pkcs12, selfSignedCertificate, writeText } from './support/certificates';
import { grantry } from './support/cli';
import { freshDatabase, TestDatabase } from './support/database';
import { basic, startServer, tokenRequest } from './support/server';

describe('grantry CLI', () => {
  let db: TestDatabase;
  let configFile: string;

  beforeAll(async () => {
    db = freshDatabase();
    await db.prepare?.();
    const schema = db.schema ? `schema = "${db.schema}"\n` : '';
    configFile = writeText(db.dir, 'deployment.toml', `[database]\nurl = "${db.url}"\n${schema}\n[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n`);
  });
  afterAll(() => db.drop());

  const run = (...args: string[]) => grantry([...args, '--config', configFile], { TEST_MASTER_KEY: db.masterKey });

  it('creates a client on an empty database and prints it as bare JSON, the secret only then', async () => {
    const created = run('clients', 'create', '--name', 'demo', '--grant-type', 'client_credentials', '--scope', 'read write', '--json');
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const client = JSON.parse(created.stdout);
    expect(client).toMatchObject({ client_name: 'demo', grant_types: ['client_credentials'], scope: 'read write' });
    expect(client.client_secret).toBeDefined();

    const shown = JSON.parse(run('clients', 'show', client.client_id, '--json').stdout);
    expect(shown.client_secret).toBeUndefined();
    const listed = JSON.parse(run('clients', 'list', '--json').stdout);
    expect(listed.map((c: { client_id: string }) => c.client_id)).toContain(client.client_id);
    expect(run('clients', 'list').stdout).toMatch(/^CLIENT_ID\s+CLIENT_NAME/);

    // A server on the same database sees the client at once and issues it a token.
    const server = await startServer({}, db);
    try {
      const issued = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret) });
      expect(issued.status).toBe(200);
    } finally {
      await server.close();
    }

    expect(run('clients', 'delete', client.client_id).status).toBe(0);
    const gone = run('clients', 'show', client.client_id);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toBe(`grantry: not_found: no client with client_id ${client.client_id}\n`);
  });

  it('explains bad input in one line with a non-zero exit', () => {
    const missing = run('clients', 'create');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('grantry: --name is required\n');
    const unsupported = run('clients', 'create', '--name', 'x', '--grant-type', 'password');
    expect(unsupported.status).toBe(1);
    expect(unsupported.stderr).toMatch(/^grantry: invalid_client_metadata: grant_types not enabled on this server: password/);
    expect(run('bogus').status).toBe(2);
  });

  it('generates, lists and rotates signing keys', () => {
    const generated = JSON.parse(run('keys', 'generate', '--alg', 'ES256', '--json').stdout);
    expect(generated).toMatchObject({ alg: 'ES256', status: 'active', source: 'generated' }); // first of its alg
    const second = JSON.parse(run('keys', 'generate', '--alg', 'ES256', '--json').stdout);
    expect(second.status).toBe('published');
    const rotated = JSON.parse(run('keys', 'rotate', '--alg', 'ES256', '--json').stdout);
    const keys = JSON.parse(run('keys', 'list', '--json').stdout) as { kid: string; status: string }[];
    expect(keys.find((k) => k.kid === rotated.kid)!.status).toBe('active');
    expect(keys.find((k) => k.kid === generated.kid)!.status).toBe('retiring');
  });

  it('imports a PKCS#12 keystore by alias and an encrypted PEM key', () => {
    const p12 = pkcs12(db.dir, 'keystore', 'changeit', 'grantry');
    const imported = run('keys', 'import', '--file', p12, '--password', 'changeit', '--alias', 'grantry', '--alg', 'PS256', '--json');
    expect(imported.stderr).toBe('');
    expect(JSON.parse(imported.stdout)).toMatchObject({ alg: 'PS256', source: 'imported', kty: 'RSA' });

    const wrong = run('keys', 'import', '--file', p12, '--password', 'nope');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe('grantry: cannot open the PKCS#12 file: wrong password or corrupt file\n');

    const pem = join(db.dir, 'ec.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes-256-cbc', '-pass', 'pass:secret', '-out', pem], { stdio: 'ignore' });
    expect(JSON.parse(run('keys', 'import', '--file', pem, '--password', 'secret', '--json').stdout)).toMatchObject({ alg: 'ES256', kty: 'EC' });
    expect(run('keys', 'import', '--file', pem, '--password', 'secret').stderr).toMatch(/already in the key store/);
  });

  it('refuses an RSA key shorter than 2048 bits', () => {
    const weak = join(db.dir, 'weak.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', weak], { stdio: 'ignore' });
    const refused = run('keys', 'import', '--file', weak);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe('grantry: RSA key of 1024 bits refused: at least 2048 bits are required (RFC 7518 §3.3)\n');
  });

  it('imports, lists and deletes truststore certificates', () => {
    const { certFile } = selfSignedCertificate(db.dir, 'idp');
    const imported = JSON.parse(run('certs', 'import', '--alias', 'idp', '--file', certFile, '--json').stdout);
    expect(imported).toMatchObject({ alias: 'idp', subject: 'CN=idp' });
    expect(JSON.parse(run('certs', 'list', '--json').stdout)).toHaveLength(1);
    expect(run('certs', 'delete', 'idp').status).toBe(0);
    expect(JSON.parse(run('certs', 'list', '--json').stdout)).toHaveLength(0);
  });

  it('applies migrations with grantry migrate', async () => {
    const other = freshDatabase();
    await other.prepare?.();
    try {
      const schema = other.schema ? `schema = "${other.schema}"\n` : '';
      const file = writeText(other.dir, 'deployment.toml', `[database]\nurl = "${other.url}"\n${schema}migrate = false\n[security]\nmaster_key = "${other.masterKey}"\n`);
      const first = grantry(['migrate', '--config', file]);
      expect(first.stdout).toBe('applied: InitialSchema1763900000000, ReplayStore1763900100000, IdentityProviders1763900200000, RefreshTokens1763900300000\n');
      expect(grantry(['migrate', '--config', file]).stdout).toBe('the database schema is up to date\n');
    } finally {
      await other.drop();
    }
  });
});
