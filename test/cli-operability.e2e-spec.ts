import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInAuthenticators } from '../src/oauth/client-auth/authenticator.registry';
import { selfSignedCertificate, writeText } from './support/certificates';
import { cli } from './support/cli';
import { freshDatabase, TestDatabase } from './support/database';
import { freePort } from './support/server';

const MASTER_KEY = 'A'.repeat(43);

/**
 * `grantry start ...` in-process, on a free port (`args(port)`, `env(port)`), until it serves
 * discovery there; then stopped. Returns the port, the issuer it served and the run's result.
 * Waits as long as a busy machine needs to start a server (a run that ends early ends the wait),
 * and takes another port when another process took this one first (EADDRINUSE).
 */
async function startAndProbe(
  args: (port: number) => string[],
  env: (port: number) => Record<string, string> = () => ({}),
): Promise<{ port: number; issuer?: string; result: { status: number; stdout: string; stderr: string } }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const stop = new AbortController();
    let ended = false;
    const started = cli(['start', ...args(port)], env(port), stop.signal).finally(() => (ended = true));
    let issuer: string | undefined;
    try {
      for (const deadline = Date.now() + 120_000; issuer === undefined && !ended && Date.now() < deadline; ) {
        issuer = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`).then(
          async (response) => ((await response.json()) as { issuer: string }).issuer,
          () => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100)),
        );
      }
    } finally {
      stop.abort();
    }
    const result = await started;
    if (result.stderr.includes('EADDRINUSE') && attempt < 3) continue;
    return { port, issuer, result };
  }
}

describe('grantry CLI operability (issue 15)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-operability-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (toml: string) => writeText(dir, `c${randomBytes(4).toString('hex')}.toml`, toml);
  const memory = (extra = '') => file(`[logging]\nlevel = "error"\n[database]\nurl = "sqlite::memory:"\n[security]\nmaster_key = "${MASTER_KEY}"\n${extra}`);

  describe('grantry start --port/--host', () => {
    it('listens on --port and --host, the issuer following the port', async () => {
      const { port, issuer, result } = await startAndProbe((port) => ['--port', String(port), '--host', '127.0.0.1', '--config', memory('[server]\nport = 1\nhost = "::1"\n')]);
      expect(issuer).toBe(`http://localhost:${port}`);
      expect(result).toEqual({ status: 0, stdout: '', stderr: '' });
    }, 300_000);

    it('takes PORT and HOST from the environment when no flag is given, and the flag over them', async () => {
      const fromEnv = await startAndProbe(() => ['--config', memory()], (port) => ({ PORT: String(port), HOST: '127.0.0.1' }));
      expect(fromEnv.issuer).toBe(`http://localhost:${fromEnv.port}`);
      expect(fromEnv.result.status).toBe(0);

      // PORT names a port nothing listens on (the flag's is another): only the flag can be served.
      const unused = await freePort();
      const flagWins = await startAndProbe((port) => ['--port', String(port), '--config', memory()], () => ({ PORT: String(unused), HOST: '127.0.0.1' }));
      expect(flagWins.issuer).toBe(`http://localhost:${flagWins.port}`);
      expect(flagWins.result.status).toBe(0);
    }, 300_000);

    it('refuses a bad --port as a usage error and a bad PORT as a configuration error, starting nothing', async () => {
      expect(await cli(['start', '--port', '70000', '--config', memory()])).toEqual({ status: 2, stdout: '', stderr: 'grantry: --port takes an integer from 0 to 65535, not "70000"\n' });
      expect(await cli(['start', '--port', 'http', '--config', memory()])).toMatchObject({ status: 2 });
      expect(await cli(['start', '--colour', 'blue', '--config', memory()])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^grantry: Unknown option '--colour'/) });
      const bad = await cli(['start', '--config', memory()], { PORT: 'eighty' });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('  - PORT = "eighty": must be an integer from 0 to 65535\n');
    });

    it('shows --port and --host in start --help', async () => {
      const { status, stdout } = await cli(['start', '--help']);
      expect(status).toBe(0);
      expect(stdout).toMatch(/^usage:\ngrantry start \[--port N\] \[--host H\]/);
    });
  });

  describe('on a database', () => {
    let db: TestDatabase;
    let configFile: string;
    beforeAll(async () => {
      db = freshDatabase();
      await db.prepare?.();
      const schema = db.schema ? `schema = "${db.schema}"\n` : '';
      configFile = writeText(db.dir, 'deployment.toml', `[database]\nurl = "${db.url}"\n${schema}[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n`);
    });
    afterAll(() => db.drop());

    const run = (...args: string[]) => cli([...args, '--config', configFile], { TEST_MASTER_KEY: db.masterKey });
    const json = async (...args: string[]) => JSON.parse((await run(...args, '--json')).stdout);

    it('replaces a truststore certificate with certs import --replace, and says so without it', async () => {
      const first = selfSignedCertificate(db.dir, 'replace-1');
      const second = selfSignedCertificate(db.dir, 'replace-2');
      const imported = await json('certs', 'import', '--alias', 'rotating', '--file', first.certFile);
      expect(await run('certs', 'import', '--alias', 'rotating', '--file', second.certFile)).toEqual({
        status: 1,
        stdout: '',
        stderr: 'grantry: a certificate with alias "rotating" already exists: pass --replace to replace it, or delete it first\n',
      });
      const replaced = await json('certs', 'import', '--alias', 'rotating', '--file', second.certFile, '--replace');
      expect(replaced).toMatchObject({ alias: 'rotating', subject: 'CN=replace-2' });
      expect(replaced.fingerprint).not.toBe(imported.fingerprint);
      const listed = (await json('certs', 'list')) as { alias: string; fingerprint: string }[];
      expect(listed.filter((cert) => cert.alias === 'rotating')).toEqual([expect.objectContaining({ fingerprint: replaced.fingerprint })]);
      // --replace checks the new certificate as an import does; the old one stays when it is refused.
      const garbage = writeText(db.dir, 'garbage.pem', 'not a certificate');
      expect((await run('certs', 'import', '--alias', 'rotating', '--file', garbage, '--replace')).status).toBe(1);
      expect(((await json('certs', 'list')) as { alias: string; fingerprint: string }[]).find((cert) => cert.alias === 'rotating')!.fingerprint).toBe(replaced.fingerprint);
      // --replace of an alias that does not exist yet is a first import.
      expect(await json('certs', 'import', '--alias', 'fresh', '--file', first.certFile, '--replace')).toMatchObject({ alias: 'fresh' });
    });

    it('hints on stderr how to give a private_key_jwt client its keys, stdout staying the bare --json record', async () => {
      const created = await run('clients', 'create', '--name', 'pkj', '--auth-method', 'private_key_jwt', '--json');
      expect(created.status).toBe(0);
      const client = JSON.parse(created.stdout);
      expect(created.stderr).toBe(
        `hint: the client has no keys yet — grantry certs import --alias ${client.client_id} --file CERT.pem (or clients update ${client.client_id} --jwks-uri U)\n`,
      );
      const withKeys = await run('clients', 'create', '--name', 'pkj-keys', '--auth-method', 'private_key_jwt', '--jwks-uri', 'https://client.example/jwks', '--json');
      expect(withKeys).toMatchObject({ status: 0, stderr: '' });
      expect((await run('clients', 'create', '--name', 'basic', '--json')).stderr).toBe('');
    });

    it('shows epoch-second fields as ISO 8601 UTC in tables and keeps epoch seconds in --json', async () => {
      const client = await json('clients', 'create', '--name', 'dated');
      expect(typeof client.client_id_issued_at).toBe('number');
      const shown = (await run('clients', 'show', client.client_id)).stdout;
      const iso = new Date(client.client_id_issued_at * 1000).toISOString().replace('.000Z', 'Z');
      expect(shown).toMatch(new RegExp(`\\nclient_id_issued_at\\s+${iso}\\n`));
      expect(shown).toMatch(/\nupdated_at\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/);
      const created = (await run('clients', 'create', '--name', 'dated-2')).stdout;
      expect(created).toMatch(/\nclient_secret_expires_at\s+never\n/);

      const { certFile } = selfSignedCertificate(db.dir, 'dated');
      const cert = await json('certs', 'import', '--alias', 'dated', '--file', certFile);
      const table = (await run('certs', 'list')).stdout;
      expect(table).toContain(new Date(cert.not_after * 1000).toISOString().replace('.000Z', 'Z'));
      expect(table).not.toContain(String(cert.not_after));
    });

    it('lets read-only commands use and migrate a database that exists', async () => {
      await run('clients', 'create', '--name', 'exists');
      for (const args of [['clients', 'list'], ['idps', 'list'], ['users', 'list'], ['keys', 'list'], ['certs', 'list']]) {
        expect({ args, ...(await run(...args)) }).toMatchObject({ args, status: 0, stderr: '' });
      }
    });
  });

  describe('read-only commands on a missing database', () => {
    it('fail naming the absolute path and create nothing: no database, no data directory, no master key', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'grantry-readonly-'));
      try {
        // Relative paths resolve from the working directory: an absolute stand-in for "run from elsewhere".
        const config = join(dir, `ro-${randomBytes(4).toString('hex')}.toml`);
        writeText(dir, config.slice(dir.length + 1), `[database]\nurl = "sqlite:${empty}/data/grantry.sqlite"\n[security]\nmaster_key_file = "${empty}/data/master.key"\n`);
        const commands = [['clients', 'list'], ['clients', 'show', 'x'], ['idps', 'list'], ['idps', 'show', 'x'], ['users', 'list'], ['users', 'show', 'x'], ['keys', 'list'], ['certs', 'list']];
        for (const args of commands) {
          // DATABASE_URL is deliberately absent: it would override [database] url.
          expect({ args, ...(await cli([...args, '--config', config])) }).toEqual({
            args,
            status: 1,
            stdout: '',
            stderr: `grantry: no database at ${empty}/data/grantry.sqlite — pass --config or run from the deployment directory\n`,
          });
        }
        expect(readdirSync(empty)).toEqual([]);
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });

    it('fail when the database exists but the master key file does not, creating no key', async () => {
      const deployment = mkdtempSync(join(tmpdir(), 'grantry-readonly-'));
      try {
        const config = writeText(deployment, 'deployment.toml', `[database]\nurl = "sqlite:${deployment}/grantry.sqlite"\n[security]\nmaster_key_file = "${deployment}/master.key"\n`);
        expect((await cli(['clients', 'create', '--name', 'first', '--config', config])).status).toBe(0);
        rmSync(join(deployment, 'master.key'));
        expect(await cli(['clients', 'list', '--config', config])).toEqual({
          status: 1,
          stdout: '',
          stderr: `grantry: no master key at ${deployment}/master.key ([security] master_key_file) — pass --config or run from the deployment directory\n`,
        });
        expect(existsSync(join(deployment, 'master.key'))).toBe(false);
      } finally {
        rmSync(deployment, { recursive: true, force: true });
      }
    });
  });

  describe('grantry config check', () => {
    it('prints ok and the absolute path of a good file, creating nothing', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'grantry-check-'));
      try {
        const good = writeText(empty, 'deployment.toml', `[database]\nurl = "sqlite:${empty}/data/grantry.sqlite"\n[security]\nmaster_key = "$env{MK}"\n[[event_listener]]\nid = "private_key_jwt_authenticator"\norder = "899"\n[[cache.manager]]\nname = "PrivateKeyJWT"\ntimeout = "10"\n`);
        expect(await cli(['config', 'check', '--config', good], { MK: MASTER_KEY })).toEqual({ status: 0, stdout: `ok: ${good}\n`, stderr: '' });
        expect(readdirSync(empty)).toEqual(['deployment.toml']);
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });

    it('checks the built-in defaults when there is no file', async () => {
      const cwd = process.cwd();
      const empty = mkdtempSync(join(tmpdir(), 'grantry-check-'));
      try {
        process.chdir(empty);
        expect(await cli(['config', 'check'])).toEqual({ status: 0, stdout: 'ok: built-in defaults\n', stderr: '' });
      } finally {
        process.chdir(cwd);
        rmSync(empty, { recursive: true, force: true });
      }
    });

    it('lists every problem of the file in one run, one per line, with exit 1', async () => {
      const bad = file(
        [
          '[server]',
          'prot = 8080',
          '[keystore]',
          'file = "k.p12"',
          'password = "$env{KEYSTORE_PASSWORD"',
          '[oauth.token]',
          'signing_alg = "HS256"',
          '[database]',
          'url = "$env{NO_SUCH_DB}"',
          '[[event_listener]]',
          'id = "privat_key_jwt_authenticator"',
          '[[event_listener]]',
          'name = "org.example.Disabled"',
          'enable = false',
          '[[event_listener]]',
          'name = "org.wso2.carbon.identity.SomethingElse"',
          '[[cache.manager]]',
          'name = "PrivateKeyJwt"',
          '[[oauth.custom_grant_type]]',
          'name = "urn:example:demo"',
          'grant_handler = "./plugins/nope.js"',
        ].join('\n'),
      );
      const { status, stdout, stderr } = await cli(['config', 'check', '--config', bad]);
      expect(status).toBe(1);
      expect(stdout).toBe('');
      const ids = builtInAuthenticators().flatMap((options) => [options.id, ...(options.aliases ?? [])]).join(', ');
      const [warning, heading, ...problems] = stderr.trimEnd().split('\n');
      expect(warning).toBe('warning: event_listener[2] name = "org.wso2.carbon.identity.SomethingElse" matches no client authenticator: ignored');
      expect(heading).toBe(`grantry: ${bad}: 9 problems`);
      // Values, references and unknown keys beside the entries that configure nothing and the files
      // that do not exist: an operator fixes them all at once, none shows up only after the others.
      expect(problems.sort()).toEqual(
        [
          '  - keystore.password: unterminated reference "$env{KEYSTORE_PASSWORD": write $env{NAME} with its closing brace',
          '  - database.url: environment variable NO_SUCH_DB is not set',
          '  - server.prot: unknown key (did you mean port?)',
          '  - oauth.token.signing_alg = "HS256": must be one of the following values: RS256, PS256, ES256, EdDSA',
          '  - cache.manager[0].name = "PrivateKeyJwt": unknown cache (did you mean PrivateKeyJWT?) (known: AppInfoCache, IdentityProviderCache, IdentityProviderJwks, PrivateKeyJWT, Truststore)',
          `  - event_listener[0] id = "privat_key_jwt_authenticator" matches no client authenticator (did you mean private_key_jwt_authenticator?) (known ids: ${ids}; a drop-in authenticator names its module in name)`,
          `  - event_listener[1] name = "org.example.Disabled" matches no client authenticator (known ids: ${ids}; a drop-in authenticator names its module in name)`,
          `  - keystore.file = "k.p12": no such file (${join(process.cwd(), 'k.p12')})`,
          `  - oauth.custom_grant_type[0].grant_handler = "./plugins/nope.js": no such file (${dir}/plugins/nope.js)`,
        ].sort(),
      );
    });

    it('names the nearest known key of a misspelt one anywhere in the file', async () => {
      const typos = file(
        [
          '[loging]',
          'level = "info"',
          '[oauth.tokn]',
          'access_token_ttl = 60',
          '[oauth.grant_type.passwrd]',
          'enable = true',
          '[oauth.grant_type.password]',
          'enabel = true',
          '[[event_listener]]',
          'id = "client_secret_bsic"',
          '[[event_listener]]',
          'id = "private_key_jwt"',
          'ordr = 50',
          '[event_listener.properties]',
          'PreventTokenReus = false',
          '[[login.authenticator]]',
          'id = "pasword"',
          '[users]',
          'colour = "blue"',
        ].join('\n'),
      );
      const { status, stderr } = await cli(['config', 'check', '--config', typos]);
      expect(status).toBe(1);
      const ids = builtInAuthenticators().flatMap((options) => [options.id, ...(options.aliases ?? [])]).join(', ');
      expect(stderr.trimEnd().split('\n').slice(1).sort()).toEqual(
        [
          '  - loging: unknown key (did you mean logging?)',
          '  - oauth.tokn: unknown key (did you mean token?)',
          '  - oauth.grant_type.passwrd: unknown grant (did you mean password?) (built-in: client_credentials, authorization_code, jwt_bearer, refresh_token, password, implicit; drop-in grants go in [[oauth.custom_grant_type]])',
          '  - oauth.grant_type.password.enabel: unknown key (did you mean enable?)',
          `  - event_listener[0] id = "client_secret_bsic" matches no client authenticator (did you mean client_secret_basic?) (known ids: ${ids}; a drop-in authenticator names its module in name)`,
          '  - event_listener[1].ordr: unknown key (did you mean order?)',
          '  - event_listener[1] id = "private_key_jwt": invalid properties: properties.PreventTokenReus: unknown key (did you mean PreventTokenReuse?)',
          '  - login.authenticator[0].id = "pasword": matches no login step (did you mean password?) (built in: password; a drop-in step names its module)',
          // Nothing is close: no guess.
          '  - users.colour: unknown key',
        ].sort(),
      );
    });

    it('checks the master key and the grant types open to registration as start-up does', async () => {
      const bad = file(
        [
          '[security]',
          'master_key = "short-secret"',
          '[oauth.registration]',
          'allowed_grant_types = ["refresh-token", "nonexistent", "implicit", "urn:example:demo", "password"]',
          '[[oauth.custom_grant_type]]',
          'name = "urn:example:demo"',
          'grant_handler = "demo-grant-package"',
        ].join('\n'),
      );
      const known = 'client_credentials, authorization_code, urn:ietf:params:oauth:grant-type:jwt-bearer, refresh_token, password, implicit, urn:example:demo';
      expect(await cli(['config', 'check', '--config', bad])).toEqual({
        status: 1,
        stdout: '',
        stderr:
          `grantry: ${bad}: 3 problems\n` +
          '  - security.master_key: the master key must be 32 bytes, base64 or base64url encoded\n' +
          `  - oauth.registration.allowed_grant_types[0] = "refresh-token": unknown grant type (did you mean refresh_token?) (known: ${known})\n` +
          `  - oauth.registration.allowed_grant_types[1] = "nonexistent": unknown grant type (known: ${known})\n`,
      });
      const envKey = file('[database]\nurl = "sqlite::memory:"\n');
      expect(await cli(['config', 'check', '--config', envKey], { GRANTRY_MASTER_KEY: 'short' })).toEqual({
        status: 1,
        stdout: '',
        stderr: `grantry: ${envKey}: 1 problem\n  - GRANTRY_MASTER_KEY: the master key must be 32 bytes, base64 or base64url encoded\n`,
      });
      expect(await cli(['config', 'check', '--config', envKey], { GRANTRY_MASTER_KEY: MASTER_KEY })).toEqual({ status: 0, stdout: `ok: ${envKey}\n`, stderr: '' });
    });

    it('accepts the method name private_key_jwt as an [[event_listener]] id, as discovery and the README call it', async () => {
      const good = file('[[event_listener]]\nid = "private_key_jwt"\norder = 50\n[event_listener.properties]\nRejectBeforeInMinutes = "100"\n');
      expect(await cli(['config', 'check', '--config', good])).toEqual({ status: 0, stdout: `ok: ${good}\n`, stderr: '' });
    });

    it('names a missing keystore or plugin file', async () => {
      const missing = file('[keystore]\nfile = "/nonexistent/keystore.p12"\n[[oauth.custom_grant_type]]\nname = "urn:example:demo"\ngrant_handler = "./plugins/nope.js"\n');
      const { status, stderr } = await cli(['config', 'check', '--config', missing]);
      expect(status).toBe(1);
      expect(stderr).toContain('  - keystore.file = "/nonexistent/keystore.p12": no such file');
      expect(stderr).toContain(`  - oauth.custom_grant_type[0].grant_handler = "./plugins/nope.js": no such file (${dir}/plugins/nope.js)`);
    });
  });

  describe('grantry config print --effective', () => {
    const toml = [
      '[server]',
      'port = 9100',
      '[database]',
      'url = "postgres://grantry:$env{DB_PASSWORD}@db.internal:5432/grantry"',
      '[security]',
      'master_key = "$env{MK}"',
      '[keystore]',
      'file = "k.p12"',
      'password = "$env{KEYSTORE_PASSWORD}"',
      '[[event_listener]]',
      'id = "private_key_jwt_authenticator"',
      '[event_listener.properties]',
      'api_key = "$env{API_KEY}"',
      'client_secret = "literal-secret"',
      'TokenEndpointAlias = "sampleurl"',
    ].join('\n');
    const env = { DB_PASSWORD: 'db-pass-123', MK: MASTER_KEY, KEYSTORE_PASSWORD: 'ks-pass-456', API_KEY: 'api-key-789' };
    const secrets = Object.values(env);

    it('prints the whole configuration with defaults as TOML, secrets masked', async () => {
      const { status, stdout, stderr } = await cli(['config', 'print', '--effective', '--config', file(toml)], env);
      expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
      for (const secret of [...secrets, 'literal-secret']) expect(stdout).not.toContain(secret);
      expect(stdout).toContain('url = "postgres://grantry:********@db.internal:5432/grantry"');
      expect(stdout).toContain('master_key = "********"');
      expect(stdout).toContain('TokenEndpointAlias = "sampleurl"');
      expect(stdout).toMatch(/\[oauth\.token\]\n(.*\n)*access_token_ttl = 3600\n/);
      expect(stdout).toContain('base_url = "http://localhost:9100"');
    });

    it('prints JSON with --json, the same values', async () => {
      const { status, stdout } = await cli(['config', 'print', '--effective', '--json', '--config', file(toml)], { ...env, PORT: '9200' });
      expect(status).toBe(0);
      for (const secret of [...secrets, 'literal-secret']) expect(stdout).not.toContain(secret);
      const effective = JSON.parse(stdout);
      expect(effective).toMatchObject({
        server: { port: 9200, host: '127.0.0.1', base_url: 'http://localhost:9200' },
        security: { master_key: '********', master_key_file: 'data/master.key' },
        keystore: { file: 'k.p12', password: '********' },
        oauth: { token: { access_token_ttl: 3600 }, grant_type: { client_credentials: { enable: true }, password: { enable: false }, implicit: { enable: false } } },
        event_listener: [{ id: 'private_key_jwt_authenticator', properties: { api_key: '********', client_secret: '********', TokenEndpointAlias: 'sampleurl' } }],
      });
      expect(effective.configDir).toBeUndefined();
    });

    it('masks GRANTRY_MASTER_KEY and a DATABASE_URL password from the environment', async () => {
      const { stdout } = await cli(['config', 'print', '--effective', '--json', '--config', memory()], { GRANTRY_MASTER_KEY: 'B'.repeat(43), DATABASE_URL: 'postgres://u:pw-from-env@h/db' });
      expect(stdout).not.toContain('pw-from-env');
      expect(stdout).not.toContain('A'.repeat(43));
      expect(JSON.parse(stdout).database.url).toBe('postgres://u:********@h/db');
    });

    it('needs --effective', async () => {
      expect(await cli(['config', 'print', '--config', memory()])).toEqual({ status: 2, stdout: '', stderr: 'grantry: config print needs --effective (the only view)\n' });
    });
  });

  describe('per-tenant settings: config print --effective --tenant D and config check', () => {
    const tenantToml = [
      '[oauth.token]',
      'access_token_ttl = 1800',
      '[oauth.grant_type.password]',
      'enable = true',
      '[[event_listener]]',
      'id = "private_key_jwt_authenticator"',
      '[event_listener.properties]',
      'RejectBeforeInMinutes = "100"',
      '[tenant."wso2.com"]',
      'oauth.token.access_token_ttl = 900',
      'oauth.grant_type.password.enable = false',
      '[[tenant."wso2.com".event_listener]]',
      'id = "private_key_jwt"',
      'order = 50',
      '[tenant."wso2.com".event_listener.properties]',
      'PreventTokenReuse = false',
      'TokenEndpointAlias = "$env{ALIAS}"',
    ].join('\n');

    it('prints what the tenant resolves from the file, each value with its source, and says where admin overrides are', async () => {
      const { status, stdout, stderr } = await cli(['config', 'print', '--effective', '--tenant', 'wso2.com', '--config', memory(tenantToml)], { ALIAS: 'https://wso2.example/token' });
      expect({ status, stderr }).toEqual({ status: 0, stderr: "grantry: an in-memory database holds no tenant: tenant wso2.com's settings from the deployment file only (its record's overrides win over them)\n" });
      expect(stdout).toContain('from the deployment file');
      expect(stdout).toMatch(/\[oauth\.token\]\naccess_token_ttl = 900 +# tenant-file\nrefresh_token_ttl = 86400 +# default\n/);
      expect(stdout).toMatch(/\[oauth\.grant_type\.password\]\nenable = false +# tenant-file\n/);
      expect(stdout).toMatch(/\[oauth\.grant_type\.client_credentials\]\nenable = true +# default\n/);
      expect(stdout).toMatch(
        /\[\[event_listener\]\]\nid = "private_key_jwt_authenticator"\norder = 50 +# tenant-file\n\[event_listener\.properties\]\nRejectBeforeInMinutes = "100" +# file\nPreventTokenReuse = false +# tenant-file\nTokenEndpointAlias = "https:\/\/wso2\.example\/token" +# tenant-file\n/,
      );
      // Server-wide keys are not a tenant's: not listed.
      expect(stdout).not.toContain('[server]');
      expect(stdout).not.toContain('signing_alg');
    });

    it('reads the tenant record\'s overrides from an existing database: they win, with source tenant-admin', async () => {
      const database = join(dir, `t${randomBytes(4).toString('hex')}.sqlite`);
      const config = file(`[logging]\nlevel = "error"\n[database]\nurl = "sqlite:${database}"\n[security]\nmaster_key = "${MASTER_KEY}"\n${tenantToml}`);
      const env = { ALIAS: 'x' };
      expect((await cli(['tenants', 'create', 'wso2.com', '--config', config], env)).status).toBe(0);
      // The admin API's PATCH is the way in; the CLI has no flag for settings: written as it would store them.
      const db = new Database(database);
      try {
        db.prepare('UPDATE tenants SET settings = ? WHERE domain = ?').run(JSON.stringify({ oauth: { token: { access_token_ttl: 600 } } }), 'wso2.com');
      } finally {
        db.close();
      }
      const printed = await cli(['config', 'print', '--effective', '--json', '--tenant', 'wso2.com', '--config', config], env);
      expect({ status: printed.status, stderr: printed.stderr }).toEqual({ status: 0, stderr: '' });
      const { settings } = JSON.parse(printed.stdout) as { settings: { table: string; key: string; value: unknown; source: string }[] };
      expect(settings).toContainEqual({ table: 'oauth.token', key: 'access_token_ttl', value: 600, source: 'tenant-admin' });
      expect(settings).toContainEqual({ table: 'oauth.grant_type.password', key: 'enable', value: false, source: 'tenant-file' });
      const toml = await cli(['config', 'print', '--effective', '--tenant', 'wso2.com', '--config', config], env);
      expect(toml.stdout).toMatch(/access_token_ttl = 600 +# tenant-admin\n/);
      // A tenant not (yet) in the database: the file's part, said so.
      const unknown = await cli(['config', 'print', '--effective', '--json', '--tenant', 'acme.example', '--config', config], env);
      expect(unknown.status).toBe(0);
      expect(unknown.stderr).toContain('tenant acme.example does not exist (yet)');
    });

    it('prints the same rows as JSON with --json; another tenant resolves the file\'s values', async () => {
      const { status, stdout } = await cli(['config', 'print', '--effective', '--json', '--tenant', 'example.org', '--config', memory(tenantToml)], { ALIAS: 'x' });
      expect(status).toBe(0);
      const { tenant, settings } = JSON.parse(stdout) as { tenant: string; settings: { table: string; key: string; value: unknown; source: string }[] };
      expect(tenant).toBe('example.org');
      expect(settings).toContainEqual({ table: 'oauth.token', key: 'access_token_ttl', value: 1800, source: 'file' });
      expect(settings).toContainEqual({ table: 'oauth.grant_type.password', key: 'enable', value: true, source: 'file' });
    });

    it('refuses a --tenant that is not a tenant domain', async () => {
      const { status, stderr } = await cli(['config', 'print', '--effective', '--tenant', 'Not_A_Domain', '--config', memory()]);
      expect(status).toBe(2);
      expect(stderr).toContain('--tenant "Not_A_Domain": a tenant domain is lower-case dot-separated labels');
    });

    it('config check names every key a tenant may not override, a bad domain, and what a tenant table names wrongly', async () => {
      const bad = [
        '[tenant."wso2.com"]',
        'oauth.token.signing_alg = "ES256"',
        'server.port = 1',
        '[tenant."Bad_Domain"]',
        '[[tenant."ok.example".event_listener]]',
        'id = "kerberos"',
        '[[tenant."ok.example".login.authenticator]]',
        'id = "password"',
        'enable = false',
      ].join('\n');
      const { status, stdout, stderr } = await cli(['config', 'check', '--config', memory(bad)]);
      expect({ status, stdout }).toEqual({ status: 1, stdout: '' });
      const problems = stderr.split('\n').filter((line) => line.startsWith('  - ')).map((line) => line.slice(4));
      expect(problems).toEqual([
        'tenant."wso2.com".server: not overridable per tenant (overridable: oauth.token, oauth.oidc.id_token, oauth.pkce, oauth.registration, oauth.profile, oauth.grant_type.<id>, [[event_listener]], [[login.authenticator]])',
        'tenant."wso2.com".oauth.token.signing_alg: not overridable per tenant (overridable here: access_token_ttl, refresh_token_ttl, refresh_token_absolute_ttl)',
        'tenant."Bad_Domain": not a tenant domain (a tenant domain is lower-case dot-separated labels of a-z, 0-9 and inner hyphens, 1 to 63 characters each, at most 64 in all)',
        'tenant."ok.example".event_listener[0] id = "kerberos" matches no client authenticator (known ids: client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt_authenticator, private_key_jwt, tls_client_auth, self_signed_tls_client_auth, none; a drop-in authenticator names its module in name)',
      ]);
      const onlySteps = await cli(['config', 'check', '--config', memory('[[tenant."ok.example".login.authenticator]]\nid = "password"\nenable = false\n')]);
      expect(onlySteps.status).toBe(1);
      expect(onlySteps.stderr).toContain('tenant."ok.example".login.authenticator: every login step is disabled, so nobody could sign in');
      const defaultTenant = await cli(['config', 'check', '--config', memory('[tenant."carbon.super"]\noauth.token.access_token_ttl = 900\n')]);
      expect(defaultTenant.stderr).toContain('tenant."carbon.super": the default tenant is served with the top level of this file; set these keys there');
      expect(await cli(['config', 'check', '--config', memory(tenantToml)], { ALIAS: 'x' })).toMatchObject({ status: 0 });
    });
  });

  describe('configuration errors that say what to do', () => {
    it('stops start-up on an [[event_listener]] id that matches no authenticator, listing the known ids', async () => {
      const { status, stderr } = await cli(['start', '--port', '0', '--config', memory('[[event_listener]]\nid = "private_key_jwt_auth"\nenable = false\n')]);
      expect(status).toBe(1);
      expect(stderr).toContain('event_listener[0] id = "private_key_jwt_auth" matches no client authenticator (did you mean private_key_jwt?) (known ids: client_secret_basic, ');
      expect(stderr).not.toMatch(/\n\s+at /);
    });

    it('stops start-up on an unknown [[cache.manager]] name, listing the known ones', async () => {
      const { status, stderr } = await cli(['start', '--port', '0', '--config', memory('[[cache.manager]]\nname = "AppInfo"\n')]);
      expect(status).toBe(1);
      expect(stderr).toContain('cache.manager[0].name = "AppInfo": unknown cache (known: AppInfoCache, IdentityProviderCache, IdentityProviderJwks, PrivateKeyJWT, Truststore)');
    });

    it('names the key and the reference of a malformed $env{}', async () => {
      const unterminated = await cli(['start', '--config', memory('[keystore]\nfile = "k.p12"\npassword = "$env{KEYSTORE_PASSWORD"\n')]);
      expect(unterminated.status).toBe(1);
      expect(unterminated.stderr).toContain('keystore.password: unterminated reference "$env{KEYSTORE_PASSWORD": write $env{NAME} with its closing brace');
      const malformed = await cli(['config', 'check', '--config', file('[server]\nbase_url = "https://$env{1HOST}/"\n')]);
      expect(malformed.stderr).toContain('server.base_url: malformed reference "$env{1HOST}": write $env{NAME}, NAME being letters, digits and _');
    });

    it('reports a database it cannot reach in one line, naming the URL with the password masked', async () => {
      const port = await freePort(); // nothing listens there
      for (const url of [`postgres://grantry:hunter2@127.0.0.1:${port}/grantry`, `mysql://grantry:hunter2@127.0.0.1:${port}/grantry`]) {
        const scheme = url.slice(0, url.indexOf(':'));
        for (const args of [['start', '--port', '0'], ['clients', 'create', '--name', 'x']]) {
          const { status, stdout, stderr } = await cli([...args, '--config', memory()], { DATABASE_URL: url });
          expect({ args, status, stdout, stderr }).toEqual({
            args,
            status: 1,
            stdout: '',
            stderr: `grantry: cannot connect to the database ${scheme}://grantry:***@127.0.0.1:${port}/grantry: connect ECONNREFUSED 127.0.0.1:${port}\n`,
          });
        }
      }
    });
  });

  describe('help', () => {
    it('documents config, --replace and the read-only rule in the usage', async () => {
      const { stdout } = await cli(['--help']);
      expect(stdout).toContain('grantry config check [--config PATH]');
      expect(stdout).toContain('grantry config print --effective [--tenant DOMAIN] [--config PATH] [--json]');
      expect(stdout).toContain('grantry certs import --alias ALIAS --file CERT.pem [--replace] [--json]');
      expect(stdout).toContain('never create a database or a master key');
      for (const args of [['config', '--help'], ['config', 'check', '--help'], ['config', 'print', '-h']]) {
        const help = await cli(args);
        expect({ args, status: help.status }).toEqual({ args, status: 0 });
        expect(help.stdout).toMatch(/^usage:\ngrantry config check/);
      }
    });
  });
});
