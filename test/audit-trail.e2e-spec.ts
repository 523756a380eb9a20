import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { keyEvent } from '../src/audit/audit-event';
import { AuditTrail } from '../src/audit/audit-trail';
import { HousekeepingService } from '../src/housekeeping/housekeeping.service';
import { SigningKeysService } from '../src/keys/signing-keys.service';
import { TruststoreService } from '../src/keys/truststore.service';
import { Consents } from '../src/oauth/authorization/consent/consents';
import { adminCall } from './support/admin-api';
import { selfSignedCertificate, writeText } from './support/certificates';
import { cli } from './support/cli';
import { adminToken, basic, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const FAST_HASHES = { users: { scrypt_log_n: 14, scrypt_p: 1 } };
const DAY = 86400;

/** The `sub` of a JWT access token: for an admin token, the admin client's id. */
function subjectOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub: string }).sub;
}

/** The audit trail (issue 25 item 4): admin and CLI changes are rows of audit_events, queryable, never holding a secret. */
describe('the audit trail', () => {
  let server: TestServer;
  let token: string;
  let admin: string;
  let configFile: string;

  beforeAll(async () => {
    server = await startServer(FAST_HASHES);
    token = await adminToken(server);
    admin = `client:${subjectOf(token)}`;
    const schema = server.db.schema ? `schema = "${server.db.schema}"\n` : '';
    configFile = writeText(server.db.dir, 'deployment.toml', `[database]\nurl = "${server.db.url}"\n${schema}\n[security]\nmaster_key = "${server.db.masterKey}"\n\n[users]\nscrypt_log_n = 14\nscrypt_p = 1\n`);
  });
  afterAll(() => stopServer(server));

  const call = (method: string, path: string, body?: unknown) => adminCall(server.url, token, method, path, body);

  const events = async (query: Record<string, string> = {}) => {
    const { status, body } = await call('GET', `/audit-events?${new URLSearchParams(query)}`);
    expect(status).toBe(200);
    return body as { items: Record<string, unknown>[]; total: number };
  };
  const rows = () => server.app.get(DataSource).query('SELECT * FROM audit_events') as Promise<Record<string, unknown>[]>;

  it('records each admin API change with its actor, event, client, tenant and time, newest first', async () => {
    const before = Math.floor(Date.now() / 1000);
    const created = await call('POST', '/clients', { client_name: 'orders', grant_types: ['client_credentials'], scope: 'orders:read' });
    expect(created.status).toBe(201);
    const clientId = created.body.client_id as string;
    expect((await call('PATCH', `/clients/${clientId}`, { scope: 'orders:read orders:write' })).status).toBe(200);
    expect((await call('POST', `/clients/${clientId}/secret`)).status).toBe(200);
    expect((await call('DELETE', `/clients/${clientId}`)).status).toBe(204);

    const { items } = await events({ client_id: clientId });
    expect(items.map((event) => event.event)).toEqual(['client.deleted', 'client.secret_rotated', 'client.updated', 'client.created']);
    for (const event of items) {
      expect(event).toMatchObject({ actor: admin, client_id: clientId, target: clientId, tenant: 'carbon.super' });
      expect(event.occurred_at).toBeGreaterThanOrEqual(before);
      expect(event.occurred_at).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    }
    expect(items[2].details).toEqual({ fields: ['scope'] });

    const user = await call('POST', '/users', { username: 'audited', password: 'correct horse battery' });
    expect(user.status).toBe(201);
    expect((await call('PATCH', `/users/${user.body.id}`, { enabled: false })).status).toBe(200);
    const userEvents = (await events({ actor: admin })).items.filter((event) => event.target === user.body.id);
    expect(userEvents).toEqual([
      expect.objectContaining({ event: 'user.updated', actor: admin, client_id: null, details: { fields: ['enabled'], ends: 'user disabled' } }),
      expect.objectContaining({ event: 'user.created', actor: admin, client_id: null, details: { fields: ['password', 'username'] } }),
    ]);
  });

  it('records key, certificate, identity provider, consent and initial access token changes, by whom and on what', async () => {
    const { certPem } = selfSignedCertificate(server.db.dir, 'audited-partner');
    const rotated = await call('POST', '/keys/rotate', { alg: 'ES256' });
    expect(rotated.status).toBe(201);
    const encryption = await call('POST', '/keys', { use: 'enc', alg: 'RSA-OAEP-256' });
    expect((await call('DELETE', `/keys/${encryption.body.kid}`)).status).toBe(204);
    expect((await call('POST', '/certificates', { alias: 'audited-partner', certificate: certPem })).status).toBe(201);
    expect((await call('DELETE', '/certificates/audited-partner')).status).toBe(204);
    const provider = await call('POST', '/identity-providers', { name: 'audited-idp', issuer: 'audited-idp', certificate: certPem });
    expect(provider.status).toBe(201);
    expect((await call('PATCH', `/identity-providers/${provider.body.id}`, { enabled: false })).status).toBe(200);
    expect((await call('DELETE', `/identity-providers/${provider.body.id}`)).status).toBe(204);
    const initial = await call('POST', '/initial-access-tokens', { max_uses: 2 });
    expect((await call('DELETE', `/initial-access-tokens/${initial.body.id}`)).status).toBe(204);
    const user = await call('POST', '/users', { username: 'consenting' });
    expect((await call('DELETE', `/users/${user.body.id}/consents?client_id=some-client`)).status).toBe(204);

    const recorded = (await events({ actor: admin, limit: '12' })).items.map(({ event, target, client_id, details }) => ({ event, target, client_id, details }));
    expect(recorded.reverse()).toEqual([
      { event: 'key.rotated', target: rotated.body.kid, client_id: null, details: { use: 'sig', alg: 'ES256' } },
      { event: 'key.generated', target: encryption.body.kid, client_id: null, details: { use: 'enc', alg: 'RSA-OAEP-256' } },
      { event: 'key.deleted', target: encryption.body.kid, client_id: null, details: { use: 'enc' } },
      { event: 'certificate.imported', target: 'audited-partner', client_id: null, details: { fingerprint: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/) } },
      { event: 'certificate.deleted', target: 'audited-partner', client_id: null, details: null },
      { event: 'identity_provider.created', target: provider.body.id, client_id: null, details: null },
      { event: 'identity_provider.updated', target: provider.body.id, client_id: null, details: { fields: ['enabled'] } },
      { event: 'identity_provider.deleted', target: provider.body.id, client_id: null, details: null },
      { event: 'initial_access_token.created', target: initial.body.id, client_id: null, details: { expires_at: initial.body.expires_at, max_uses: 2 } },
      { event: 'initial_access_token.revoked', target: initial.body.id, client_id: null, details: null },
      { event: 'user.created', target: user.body.id, client_id: null, details: { fields: ['username'] } },
      { event: 'user.consents_revoked', target: user.body.id, client_id: 'some-client', details: null },
    ]);
  });

  it('records the changes a client makes to its own registration (RFC 7591, RFC 7592)', async () => {
    const open = await startServer({ oauth: { registration: { open: true } } });
    try {
      const register = await fetch(`${open.url}/oauth2/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'self-made', redirect_uris: ['https://app.example/cb'] }),
      });
      expect(register.status).toBe(201);
      const registered = (await register.json()) as { client_id: string; registration_access_token: string };
      const manage = (method: string, body?: unknown) =>
        fetch(`${open.url}/oauth2/register/${registered.client_id}`, {
          method,
          headers: { authorization: `Bearer ${registered.registration_access_token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
      const updated = await manage('PUT', { client_id: registered.client_id, client_name: 'self-made, renamed', redirect_uris: ['https://app.example/cb'] });
      expect(updated.status).toBe(200);
      const { registration_access_token: next } = (await updated.json()) as { registration_access_token: string };
      registered.registration_access_token = next;
      expect((await manage('DELETE')).status).toBe(204);

      const rows = (await open.app.get(DataSource).query('SELECT actor, event, client_id FROM audit_events ORDER BY id')) as Record<string, unknown>[];
      const self = `client:${registered.client_id}`;
      expect(rows).toEqual([
        { actor: 'registrant', event: 'client.registered', client_id: registered.client_id },
        { actor: self, event: 'client.updated', client_id: registered.client_id },
        { actor: self, event: 'client.deleted', client_id: registered.client_id },
      ]);
    } finally {
      await stopServer(open);
    }
  });

  it('leaves no row for a change that was refused', async () => {
    const before = (await rows()).length;
    expect((await call('DELETE', '/clients/no-such-client')).status).toBe(404);
    expect((await call('PATCH', '/users/no-such-user', { enabled: false })).status).toBe(404);
    expect((await call('DELETE', '/identity-providers/no-such-provider')).status).toBe(404);
    expect((await rows()).length).toBe(before);
  });

  it('filters by actor, event, client, tenant and time, pages, and refuses a filter it cannot read', async () => {
    const created = await call('POST', '/clients', { client_name: 'filtered', grant_types: ['client_credentials'] });
    const clientId = created.body.client_id as string;
    await call('PATCH', `/clients/${clientId}`, { client_name: 'filtered again' });

    const byEvent = await events({ event: 'client.updated', client_id: clientId });
    expect(byEvent).toEqual({ items: [expect.objectContaining({ event: 'client.updated', client_id: clientId })], total: 1 });
    expect((await events({ actor: 'client:somebody-else' })).total).toBe(0);
    const everything = await events();
    const byAdmin = await events({ actor: admin });
    // The admin client itself was made in-process, by the test's operator.
    expect(byAdmin.items.every((event) => event.actor === admin)).toBe(true);
    expect(byAdmin.total).toBe(everything.items.filter((event) => event.actor === admin).length);
    expect(byAdmin.total).toBeLessThan(everything.total);
    expect((await events({ tenant: 'carbon.super' })).total).toBe(everything.total);
    // Tenants are isolated: another tenant's events are never listed here.
    expect(await events({ tenant: 'wso2.com' })).toEqual({ items: [], total: 0 });

    expect((await events({ since: '1h' })).total).toBe(everything.total);
    expect((await events({ since: String(Math.floor(Date.now() / 1000) + 60) })).total).toBe(0);
    expect((await events({ until: '2020-01-01' })).total).toBe(0);
    expect((await events({ since: '2020-01-01T00:00:00Z', until: '1h' })).total).toBe(0);

    const page = await events({ limit: '1', offset: '1' });
    expect(page.total).toBe(everything.total);
    expect(page.items).toEqual([everything.items[1]]);

    const refused = await call('GET', '/audit-events?since=yesterday');
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/^since must be epoch seconds/) });
    expect((await call('GET', '/audit-events?actor=a&actor=b')).status).toBe(400);
  });

  it('answers only admin tokens', async () => {
    const response = await fetch(`${server.url}/api/admin/v1/audit-events`);
    expect(response.status).toBe(401);
  });

  it('records CLI changes with the operator as actor, and lists them with grantry audit list', async () => {
    const operator = `operator:${userInfo().username}`;
    const run = (...args: string[]) => cli([...args, '--config', configFile]);
    const created = await run('clients', 'create', '--name', 'from-cli', '--grant-type', 'client_credentials', '--json');
    expect(created.status).toBe(0);
    const clientId = JSON.parse(created.stdout).client_id as string;
    expect((await run('clients', 'update', clientId, '--scope', 'cli:read')).status).toBe(0);

    const listed = await run('audit', 'list', '--actor', operator, '--json');
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ actor: operator, event: 'client.updated', client_id: clientId, details: { fields: ['scope'] } }),
      expect.objectContaining({ actor: operator, event: 'client.created', client_id: clientId }),
    ]);
    // The admin API sees them too.
    expect((await events({ actor: operator })).total).toBe(2);

    const filtered = await run('audit', 'list', '--event', 'client.created', '--client', clientId, '--since', '10m', '--json');
    expect(JSON.parse(filtered.stdout)).toEqual([expect.objectContaining({ event: 'client.created', client_id: clientId })]);
    expect(JSON.parse((await run('audit', 'list', '--until', '2020-01-01', '--json')).stdout)).toEqual([]);

    const table = await run('audit', 'list', '--client', clientId);
    expect(table.stdout).toMatch(/^ID\s+OCCURRED_AT\s+ACTOR\s+EVENT\s+CLIENT_ID\s+TARGET\n/);
    expect(table.stdout).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);

    const limited = await run('audit', 'list', '--limit', '1', '--json');
    expect(JSON.parse(limited.stdout)).toHaveLength(1);
    expect(limited.stderr).toMatch(/^showing the newest 1 of \d+ events/);

    const bad = await run('audit', 'list', '--since', 'yesterday');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^grantry: --since must be epoch seconds/);
    expect((await run('audit', 'list', '--client', '')).stderr).toMatch(/^grantry: --client must be given once/);
  });

  it('lists without creating a database (a command that only reads)', async () => {
    const missing = join(server.db.dir, 'missing.sqlite');
    const file = writeText(server.db.dir, 'elsewhere.toml', `[database]\nurl = "sqlite:${missing}"\n\n[security]\nmaster_key = "${server.db.masterKey}"\n`);
    const listed = await cli(['audit', 'list', '--config', file]);
    expect(listed).toMatchObject({ status: 1, stderr: expect.stringContaining(`no database at ${missing}`) });
    expect(existsSync(missing)).toBe(false);
  });

  it('never stores a secret, password or token, whatever the change carried', async () => {
    const password = 'Tr0ub4dor&3-audit';
    const created = await call('POST', '/clients', { client_name: 'secretive', grant_types: ['client_credentials'], scope: 'read' });
    const rotated = await call('POST', `/clients/${created.body.client_id}/secret`);
    const user = await call('POST', '/users', { username: 'pat', password });
    await call('PATCH', `/users/${user.body.id}`, { password: `${password}-new` });
    const initial = await call('POST', '/initial-access-tokens', { max_uses: 1 });
    const issued = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'read' }, { authorization: basic(created.body.client_id, rotated.body.client_secret) });
    expect(issued.status).toBe(200);
    const cliPassword = 'cli-password-0123';
    expect((await cli(['users', 'create', '--username', 'cli-pat', '--password-env', 'PW', '--config', configFile], { PW: cliPassword })).status).toBe(0);

    const stored = JSON.stringify(await rows());
    expect(stored).toContain('client.secret_rotated');
    expect(stored).toContain('initial_access_token.created');
    for (const secret of [created.body.client_secret, rotated.body.client_secret, password, `${password}-new`, cliPassword, initial.body.initial_access_token, issued.body.access_token, token]) {
      expect(typeof secret).toBe('string');
      expect(stored).not.toContain(secret);
    }
  });
});

/**
 * Each change and its audit row are one atomic write (issue 25 item 4): a change refused at its
 * write leaves no row, a change made leaves exactly one, and a row that cannot be written takes
 * its change with it — for keys, certificates, initial access tokens and consent revocations as
 * for clients, users and identity providers.
 */
describe('a change and its audit row', () => {
  let server: TestServer;
  let token: string;
  let configFile: string;

  beforeAll(async () => {
    server = await startServer(FAST_HASHES);
    token = await adminToken(server);
    const schema = server.db.schema ? `schema = "${server.db.schema}"\n` : '';
    configFile = writeText(server.db.dir, 'deployment.toml', `[database]\nurl = "${server.db.url}"\n${schema}\n[security]\nmaster_key = "${server.db.masterKey}"\n`);
  });
  afterAll(() => stopServer(server));

  const call = (method: string, path: string, body?: unknown) => adminCall(server.url, token, method, path, body);
  const query = <T = Record<string, unknown>>(sql: string) => server.app.get(DataSource).query(sql) as Promise<T[]>;
  /** The rows of `event` about `target`. */
  const rowsOf = async (event: string, target: string) => (await query<{ event: string; target: string }>('SELECT event, target FROM audit_events')).filter((row) => row.event === event && row.target === target);

  it('certificates: a duplicate alias (refused by its INSERT) or an unknown one leaves no row, each import and delete one', async () => {
    const { certPem } = selfSignedCertificate(server.db.dir, 'one-transaction');
    expect((await call('POST', '/certificates', { alias: 'one-transaction', certificate: certPem })).status).toBe(201);
    expect((await call('POST', '/certificates', { alias: 'one-transaction', certificate: certPem })).status).toBe(409);
    expect(await rowsOf('certificate.imported', 'one-transaction')).toHaveLength(1);
    expect((await call('DELETE', '/certificates/one-transaction')).status).toBe(204);
    expect((await call('DELETE', '/certificates/one-transaction')).status).toBe(404);
    expect(await rowsOf('certificate.deleted', 'one-transaction')).toHaveLength(1);
  });

  it('initial access tokens: a revocation that finds no token leaves no row, each creation and revocation one', async () => {
    const created = await call('POST', '/initial-access-tokens', { max_uses: 1 });
    expect(created.status).toBe(201);
    expect(await rowsOf('initial_access_token.created', created.body.id)).toHaveLength(1);
    expect((await call('DELETE', `/initial-access-tokens/${created.body.id}`)).status).toBe(204);
    expect((await call('DELETE', `/initial-access-tokens/${created.body.id}`)).status).toBe(404);
    expect(await rowsOf('initial_access_token.revoked', created.body.id)).toHaveLength(1);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await call('DELETE', `/initial-access-tokens/${unknown}`)).status).toBe(404);
    expect(await rowsOf('initial_access_token.revoked', unknown)).toEqual([]);
  });

  it('keys: a delete that finds no encryption key, or names a signing key, leaves no row; each generation, rotation and delete one', async () => {
    const generated = await call('POST', '/keys', { use: 'enc', alg: 'ECDH-ES' });
    expect(generated.status).toBe(201);
    expect(await rowsOf('key.generated', generated.body.kid)).toHaveLength(1);
    const rotated = await call('POST', '/keys/rotate', { alg: 'ES256' });
    expect(rotated.status).toBe(201);
    expect(await rowsOf('key.rotated', rotated.body.kid)).toHaveLength(1);
    expect((await call('DELETE', `/keys/${generated.body.kid}`)).status).toBe(204);
    expect((await call('DELETE', `/keys/${generated.body.kid}`)).status).toBe(404);
    expect(await rowsOf('key.deleted', generated.body.kid)).toHaveLength(1);
    expect((await call('DELETE', `/keys/${rotated.body.kid}`)).status).toBe(400);
    expect(await rowsOf('key.deleted', rotated.body.kid)).toEqual([]);
  });

  it('consents: a revocation for an unknown user leaves no row, each revocation one (also with nothing to forget)', async () => {
    expect((await call('DELETE', '/users/no-such-user/consents')).status).toBe(404);
    expect(await rowsOf('user.consents_revoked', 'no-such-user')).toEqual([]);
    const user = await call('POST', '/users', { username: 'consents-once' });
    await server.app.get(Consents).remember(user.body.id, 'some-client', ['openid']);
    expect((await call('DELETE', `/users/${user.body.id}/consents`)).status).toBe(204);
    expect((await call('GET', `/users/${user.body.id}/consents`)).body).toEqual({ items: [], total: 0 });
    expect(await rowsOf('user.consents_revoked', user.body.id)).toHaveLength(1);
  });

  it('CLI: a duplicate key or alias leaves no row; a replacement of an alias not yet there leaves one, not two', async () => {
    const run = (...args: string[]) => cli([...args, '--config', configFile]);
    const keyFile = writeText(server.db.dir, 'audited-key.pem', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const imported = await run('keys', 'import', '--file', keyFile, '--json');
    expect(imported.status).toBe(0);
    const { kid } = JSON.parse(imported.stdout) as { kid: string };
    expect(await run('keys', 'import', '--file', keyFile)).toMatchObject({ status: 1, stderr: expect.stringMatching(/already in the key store/) });
    expect(await rowsOf('key.imported', kid)).toHaveLength(1);

    const { certFile } = selfSignedCertificate(server.db.dir, 'replaced-first');
    expect((await run('certs', 'import', '--alias', 'replaced-first', '--file', certFile, '--replace')).status).toBe(0);
    expect(await rowsOf('certificate.imported', 'replaced-first')).toHaveLength(1);
    expect((await run('certs', 'import', '--alias', 'replaced-first', '--file', certFile, '--replace')).status).toBe(0);
    expect((await run('certs', 'import', '--alias', 'replaced-first', '--file', certFile, '--replace')).status).toBe(0);
    // The same certificate twice within a second changes no column: MySQL/MariaDB still count the row (matched), so no INSERT is tried.
    const truststore = server.app.get(TruststoreService);
    const pem = readFileSync(certFile, 'utf8');
    await truststore.import('replaced-first', pem, { replace: true });
    await expect(truststore.import('replaced-first', pem, { replace: true })).resolves.toMatchObject({ alias: 'replaced-first' });
    expect(await run('certs', 'import', '--alias', 'replaced-first', '--file', certFile)).toMatchObject({ status: 1, stderr: expect.stringMatching(/already exists/) });
    expect(await rowsOf('certificate.imported', 'replaced-first')).toHaveLength(3);
    expect((await run('certs', 'delete', 'no-such-alias')).status).not.toBe(0);
    expect((await run('initial-access-tokens', 'revoke', '00000000-0000-4000-8000-000000000001')).status).not.toBe(0);
    expect(await rowsOf('certificate.deleted', 'no-such-alias')).toEqual([]);
    expect(await rowsOf('initial_access_token.revoked', '00000000-0000-4000-8000-000000000001')).toEqual([]);
  });

  it('the same key imported concurrently: one import and one row, whichever check refuses the others', async () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const keys = server.app.get(SigningKeysService);
    const trail = server.app.get(AuditTrail);
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => keys.importKey({ file: Buffer.from(pem) }, (key) => [trail.step(keyEvent('key.imported', 'operator:race', key))])));
    const made = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    expect(made).toHaveLength(1);
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(String(outcome.reason)).toMatch(/already in the key store/);
    const { kid } = (made[0] as PromiseFulfilledResult<{ kid: string }>).value;
    expect(await rowsOf('key.imported', kid)).toHaveLength(1);
  });

  it('a row that cannot be written takes its change with it', async () => {
    const { certPem } = selfSignedCertificate(server.db.dir, 'kept');
    expect((await call('POST', '/certificates', { alias: 'kept', certificate: certPem })).status).toBe(201);
    const initial = await call('POST', '/initial-access-tokens', {});
    const encryption = await call('POST', '/keys', { use: 'enc', alg: 'ECDH-ES' });
    const user = await call('POST', '/users', { username: 'consents-kept' });
    await server.app.get(Consents).remember(user.body.id, 'some-client', ['openid']);
    // What the admin API shows of every record the changes below would touch.
    const state = async () => Promise.all(['/keys?limit=200', '/certificates?limit=200', '/initial-access-tokens?limit=200', `/users/${user.body.id}/consents`].map(async (path) => (await call('GET', path)).body));
    const before = await state();

    await query('ALTER TABLE audit_events RENAME TO audit_events_away');
    try {
      const refused = [
        await call('POST', '/keys/rotate', { alg: 'ES256' }),
        await call('POST', '/keys', { alg: 'ES256' }),
        await call('POST', '/keys', { use: 'enc', alg: 'ECDH-ES' }),
        await call('POST', '/keys/rotate', { use: 'enc', alg: 'ECDH-ES' }),
        await call('DELETE', `/keys/${encryption.body.kid}`),
        await call('POST', '/certificates', { alias: 'never-stored', certificate: certPem }),
        await call('DELETE', '/certificates/kept'),
        await call('POST', '/initial-access-tokens', {}),
        await call('DELETE', `/initial-access-tokens/${initial.body.id}`),
        await call('DELETE', `/users/${user.body.id}/consents`),
      ];
      expect(refused.map((response) => response.status)).toEqual(refused.map(() => 500));
      const renewed = selfSignedCertificate(server.db.dir, 'kept-renewed');
      expect((await cli(['certs', 'import', '--alias', 'kept', '--file', renewed.certFile, '--replace', '--config', configFile])).status).toBe(1);
    } finally {
      await query('ALTER TABLE audit_events_away RENAME TO audit_events');
    }
    expect(await state()).toEqual(before);
    expect(before[1].items.map((certificate: { alias: string }) => certificate.alias)).toContain('kept');
    expect(before[3].total).toBe(1);
  });
});

describe('the audit retention sweep', () => {
  it('deletes events older than [audit] retention_days, and only those', async () => {
    const server = await startServer({ audit: { retention_days: 30 }, housekeeping: { grace_period: 0 } });
    try {
      const now = Math.floor(Date.now() / 1000);
      const insert = (actor: string, occurredAt: number) =>
        server.app.get(DataSource).query(`INSERT INTO audit_events (tenant, occurred_at, actor, event) VALUES ('carbon.super', ${occurredAt}, '${actor}', 'client.created')`);
      await insert('operator:old', now - 31 * DAY);
      await insert('operator:older', now - 400 * DAY);
      await insert('operator:recent', now - 29 * DAY);
      await insert('operator:now', now);

      const result = await server.app.get(HousekeepingService).sweepNow();
      expect(result.deleted.audit_events).toBe(2);
      const left = (await server.app.get(DataSource).query('SELECT actor FROM audit_events ORDER BY occurred_at')) as { actor: string }[];
      expect(left.map((row) => row.actor)).toEqual(['operator:recent', 'operator:now']);
    } finally {
      await stopServer(server);
    }
  });

  it('keeps every event with retention_days = 0', async () => {
    const server = await startServer({ audit: { retention_days: 0 } });
    try {
      await server.app.get(DataSource).query(`INSERT INTO audit_events (tenant, occurred_at, actor, event) VALUES ('carbon.super', 1000, 'operator:ancient', 'client.created')`);
      const result = await server.app.get(HousekeepingService).sweepNow();
      expect(result.deleted.audit_events).toBeUndefined();
      expect(await server.app.get(DataSource).query('SELECT actor FROM audit_events')).toEqual([{ actor: 'operator:ancient' }]);
    } finally {
      await stopServer(server);
    }
  });
});
