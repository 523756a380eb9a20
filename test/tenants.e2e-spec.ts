import { DataSource } from 'typeorm';
import { IssuerContext } from '../src/common/issuer-context';
import { TenantDirectory } from '../src/common/tenant-directory';
import { parseIdentityProviderInput } from '../src/identity-providers/identity-provider-input';
import { IdentityProvidersService } from '../src/identity-providers/identity-providers.service';
import { EncryptionKeysService } from '../src/keys/encryption-keys.service';
import { KeyRing } from '../src/keys/key-ring';
import { SigningKeysService } from '../src/keys/signing-keys.service';
import { KEPT_WITH_TENANT_DELETED, TENANT_TABLES } from '../src/tenants/tenant-tables';
import { parseUserInput } from '../src/users/user-input';
import { UsersService } from '../src/users/users.service';
import { adminCall } from './support/admin-api';
import { adminToken, basic, createClient, startServer, stopServer, TestServer } from './support/server';
import { insertTenantRow, rowsOfTenant, tablesWithTenantColumn } from './support/tenant-rows';

const DEFAULT = 'carbon.super';

/** Tenants as records (issue 26 items 1 and 7): the admin API, the directory the request context reads, deletion of everything of a tenant. */
describe('tenants', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startServer({ oauth: { token: { signing_alg: 'ES256' } }, users: { scrypt_log_n: 14, scrypt_p: 1 } });
    token = await adminToken(server, { superAdmin: true }); // tenants are a super-admin's (SuperAdminGuard)
  });
  afterAll(() => stopServer(server));

  const call = (method: string, path: string, body?: unknown) => adminCall(server.url, token, method, path, body);
  const db = () => server.app.get(DataSource);
  /** A request with headers of its own (If-Match), answering status, ETag and body. */
  const request = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(`${server.url}/api/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, etag: response.headers.get('etag'), body: text ? JSON.parse(text) : undefined };
  };
  /** Runs `work` as tenant `domain`'s, as a request under /t/{domain} will. */
  const asTenant = async <T>(domain: string, work: () => Promise<T>): Promise<T> => {
    const issuers = server.app.get(IssuerContext);
    const state = await server.app.get(TenantDirectory).find(domain);
    return issuers.run(await issuers.forTenant(state!), work);
  };
  /** A client_credentials token at the tenant's token endpoint. */
  const tenantToken = async (domain: string, clientId: string, secret: string) => {
    const response = await fetch(`${server.url}/t/${domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, secret) },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('has the default tenant carbon.super from the migration, which cannot be deleted or disabled', async () => {
    const listed = await call('GET', '/tenants');
    expect(listed.status).toBe(200);
    expect(listed.body.items[0]).toMatchObject({ domain: DEFAULT, enabled: true, default: true, settings: {} });

    expect(await call('DELETE', `/tenants/${DEFAULT}`)).toEqual({
      status: 409,
      body: { error: 'conflict', error_description: `the default tenant ${DEFAULT} cannot be deleted: it serves the deployment's own URLs and its administrators` },
    });
    expect(await call('PATCH', `/tenants/${DEFAULT}`, { enabled: false })).toEqual({
      status: 409,
      body: { error: 'conflict', error_description: `the default tenant ${DEFAULT} cannot be disabled: it serves the deployment's own URLs and its administrators` },
    });
    expect((await call('GET', `/tenants/${DEFAULT}`)).body.enabled).toBe(true);
    // Everything the default tenant held before tenants existed is carbon.super's now.
    const [admin] = (await db().query('SELECT tenant FROM clients')) as { tenant: string }[];
    expect(admin.tenant).toBe(DEFAULT);
  });

  it('creates a tenant (201) with its first signing key of [oauth.token] signing_alg in the same write, and lists it', async () => {
    const created = await request('POST', '/tenants', {}, { domain: 'wso2.com', display_name: 'WSO2' });
    expect(created.status).toBe(201);
    expect(created.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(created.body).toEqual({ domain: 'wso2.com', display_name: 'WSO2', enabled: true, settings: {}, default: false, created_at: expect.any(Number) });
    const keys = await asTenant('wso2.com', () => server.app.get(SigningKeysService).list());
    expect(keys).toEqual([expect.objectContaining({ alg: 'ES256', status: 'active', source: 'generated' })]);
    // This server's key ring signs for it at once.
    expect(await asTenant('wso2.com', async () => server.app.get(KeyRing).signer('ES256')?.kid)).toBe(keys[0].kid);

    const page = await call('GET', '/tenants?limit=1&offset=1');
    expect(page.status).toBe(200);
    expect(page.body.total).toBeGreaterThanOrEqual(2);
    expect(page.body.items).toHaveLength(1);

    expect(await call('POST', '/tenants', { domain: 'wso2.com' })).toEqual({ status: 409, body: { error: 'conflict', error_description: 'a tenant with domain wso2.com exists' } });
    const events = await call('GET', '/audit-events?event=tenant.created');
    expect(events.body.items[0]).toMatchObject({ tenant: DEFAULT, target: 'wso2.com', details: { alg: 'ES256', enabled: true } });
  });

  it.each([
    ['upper case', { domain: 'WSO2.org' }, 'domain must be lower case'],
    ['a label of 64 characters', { domain: `${'a'.repeat(64)}.com` }, 'domain must be at most 64 characters'],
    ['a lone label of 64 characters', { domain: 'a'.repeat(64) }, 'each label of domain must be at most 63 characters'],
    ['65 characters', { domain: `${'a'.repeat(32)}.${'b'.repeat(32)}` }, 'domain must be at most 64 characters'],
    ['an empty label', { domain: 'wso2..org' }, 'domain must be dot-separated labels, none empty'],
    ['a hyphen first', { domain: '-wso2.org' }, 'each label of domain must be letters a-z, digits and hyphens, not starting or ending with a hyphen'],
    ['an underscore', { domain: 'ws_o2.org' }, 'each label of domain must be letters a-z, digits and hyphens, not starting or ending with a hyphen'],
    ['no domain', { display_name: 'x' }, 'domain must be a non-empty string'],
    ['settings not an object', { domain: 'ok.example', settings: ['a'] }, 'settings must be a JSON object'],
    ['settings a string', { domain: 'ok.example', settings: '{}' }, 'settings must be a JSON object'],
    ['an unknown field', { domain: 'ok.example', hosts: ['a.example'] }, 'unknown field hosts'],
    ['enabled not a boolean', { domain: 'ok.example', enabled: 'yes' }, 'enabled must be true or false'],
  ])('refuses a tenant with %s (400)', async (_what, body, description) => {
    expect(await call('POST', '/tenants', body)).toEqual({ status: 400, body: { error: 'invalid_request', error_description: description } });
    expect((await call('GET', '/tenants/ok.example')).status).toBe(404);
  });

  it('changes display_name, enabled and settings with If-Match like clients: 412 over a version gone', async () => {
    expect((await call('POST', '/tenants', { domain: 'acme.example' })).status).toBe(201);
    const read = await request('GET', '/tenants/acme.example', {});
    expect(read.body).toMatchObject({ display_name: 'acme.example', enabled: true });

    const changed = await request('PATCH', '/tenants/acme.example', { 'if-match': read.etag! }, { display_name: 'ACME', settings: { oauth: { token: { access_token_ttl: 900 } } } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ display_name: 'ACME', settings: { oauth: { token: { access_token_ttl: 900 } } } });
    expect(changed.etag).not.toBe(read.etag);
    expect((await request('GET', '/tenants/acme.example', {})).etag).toBe(changed.etag);

    const stale = await request('PATCH', '/tenants/acme.example', { 'if-match': read.etag! }, { enabled: false });
    expect(stale.status).toBe(412);
    expect((await call('GET', '/tenants/acme.example')).body.enabled).toBe(true);

    expect(await call('PATCH', '/tenants/acme.example', { settings: 42 })).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'settings must be a JSON object' } });
    // Only the documented subset, by the file's rules (TenantOverridesCheck): every bad key named, nothing stored.
    const refused = await call('PATCH', '/tenants/acme.example', { settings: { oauth: { token: { signing_alg: 'ES256', access_token_ttl: -1 } }, a: 1 } });
    expect(refused.status).toBe(400);
    expect(refused.body.error_description).toMatch(/signing_alg/);
    expect(refused.body.error_description).toMatch(/access_token_ttl/);
    expect(refused.body.error_description).toMatch(/\ba\b/);
    expect((await call('POST', '/tenants', { domain: 'bad-settings.example', settings: { server: { port: 1 } } })).status).toBe(400);
    expect((await call('GET', '/tenants/bad-settings.example')).status).toBe(404);
    expect(await call('PATCH', '/tenants/acme.example', { domain: 'other.example' })).toEqual({
      status: 400, body: { error: 'invalid_request', error_description: 'domain cannot be changed: it names every record of the tenant' },
    });
    expect((await call('PATCH', '/tenants/nope.example', { enabled: false })).status).toBe(404);
    expect((await call('PATCH', '/tenants/acme.example', { enabled: false })).body.enabled).toBe(false);
    expect((await call('PATCH', '/tenants/acme.example', { enabled: true })).body.enabled).toBe(true);
    const updates = await call('GET', '/audit-events?event=tenant.updated');
    expect(updates.body.items.at(-1)).toMatchObject({ target: 'acme.example', details: { fields: ['display_name', 'settings'] } });
  });

  it('answers the request context through TenantDirectory: a change through this process is seen at once', async () => {
    const directory = server.app.get(TenantDirectory);
    const settings = { oauth: { pkce: { required: true } } };
    expect((await call('POST', '/tenants', { domain: 'seen.example', settings })).status).toBe(201);
    expect(await directory.find('seen.example')).toEqual({ domain: 'seen.example', enabled: true, version: 1, settings });
    expect((await call('PATCH', '/tenants/seen.example', { enabled: false })).status).toBe(200);
    expect(await directory.find('seen.example')).toMatchObject({ enabled: false, version: 2 });
    expect(await directory.find('unknown.example')).toBeUndefined();
    expect(await directory.find('Not A Domain')).toBeUndefined();
    expect((await call('DELETE', '/tenants/seen.example')).status).toBe(204);
    expect(await directory.find('seen.example')).toBeUndefined();
  });

  it('serves a tenant created here at once, with its own key, and stops at once when it is disabled or deleted here', async () => {
    expect((await call('POST', '/tenants', { domain: 'live.example' })).status).toBe(201);
    const client = await asTenant('live.example', () => createClient(server, { client_name: 'live app', grant_types: ['client_credentials'] }));
    const issued = await tenantToken('live.example', client.client_id, client.client_secret!);
    expect(issued.status).toBe(200);
    const [header, payload] = (issued.body.access_token as string).split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(payload.iss).toBe(`${server.url}/t/live.example`);
    const [key] = await asTenant('live.example', () => server.app.get(SigningKeysService).list());
    expect(header).toMatchObject({ alg: 'ES256', kid: key.kid });

    expect((await call('PATCH', '/tenants/live.example', { enabled: false })).status).toBe(200);
    expect((await tenantToken('live.example', client.client_id, client.client_secret!)).status).toBe(403);
    expect((await call('PATCH', '/tenants/live.example', { enabled: true })).status).toBe(200);
    expect((await tenantToken('live.example', client.client_id, client.client_secret!)).status).toBe(200);
    expect((await call('DELETE', '/tenants/live.example')).status).toBe(204);
    expect((await tenantToken('live.example', client.client_id, client.client_secret!)).status).toBe(404);
  });

  it('serves a tenant with its settings: the file\'s, overridden by its record\'s, and at once when the record changes', async () => {
    expect((await call('POST', '/tenants', { domain: 'tuned.example', settings: { oauth: { token: { access_token_ttl: 900 } } } })).status).toBe(201);
    const client = await asTenant('tuned.example', () => createClient(server, { client_name: 'tuned app', grant_types: ['client_credentials'] }));
    expect((await tenantToken('tuned.example', client.client_id, client.client_secret!)).body).toMatchObject({ expires_in: 900 });
    // The tenant's grant switched off: the tenant answers as a server without it; the default tenant is untouched.
    expect((await call('PATCH', '/tenants/tuned.example', { settings: { oauth: { grant_type: { client_credentials: { enable: false } } } } })).status).toBe(200);
    expect(await tenantToken('tuned.example', client.client_id, client.client_secret!)).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    const discovery = (await (await fetch(`${server.url}/t/tuned.example/.well-known/openid-configuration`)).json()) as { grant_types_supported: string[]; issuer: string };
    expect(discovery.issuer).toBe(`${server.url}/t/tuned.example`);
    expect(discovery.grant_types_supported).not.toContain('client_credentials');
    const defaults = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { grant_types_supported: string[] };
    expect(defaults.grant_types_supported).toContain('client_credentials');
    expect((await call('PATCH', '/tenants/tuned.example', { settings: {} })).status).toBe(200);
    expect((await tenantToken('tuned.example', client.client_id, client.client_secret!)).body).toMatchObject({ expires_in: 3600 });
  });

  it('leaves tenants to admins of the default tenant: a tenant\'s own admin token is refused (403)', async () => {
    expect((await call('POST', '/tenants', { domain: 'tenant-admin.example' })).status).toBe(201);
    const admin = await asTenant('tenant-admin.example', () => createClient(server, { client_name: 'tenant admin', grant_types: ['client_credentials'], scope: 'admin' }));
    const response = await fetch(`${server.url}/t/tenant-admin.example/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(admin.client_id, admin.client_secret!) },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin' }),
    });
    const tenantAdminToken = ((await response.json()) as { access_token: string }).access_token;
    // Its own tenant's admin API takes it...
    expect((await adminCall(`${server.url}/t/tenant-admin.example`, tenantAdminToken, 'GET', '/clients')).status).toBe(200);
    // ...the tenants resource does not, whatever the tenant asked for.
    for (const [method, path, body] of [['GET', '/tenants'], ['POST', '/tenants', { domain: 'sneaky.example' }], ['DELETE', '/tenants/tenant-admin.example'], ['PATCH', '/tenants/carbon.super', { display_name: 'mine' }]] as const) {
      expect({ method, path, ...(await adminCall(`${server.url}/t/tenant-admin.example`, tenantAdminToken, method, path, body)) }).toEqual({
        method, path, status: 403, body: { error: 'insufficient_scope', error_description: 'tenants are administered by super-admins of the default tenant carbon.super only' },
      });
    }
    expect((await call('GET', '/tenants/sneaky.example')).status).toBe(404);
    expect((await call('GET', '/tenants/tenant-admin.example')).status).toBe(200);
  });

  it('creates a domain once when many ask at the same moment: one 201, the others 409', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => call('POST', '/tenants', { domain: 'race.example' })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await asTenant('race.example', () => server.app.get(SigningKeysService).list())).toHaveLength(1);
  });

  it('names in TENANT_TABLES every table with a tenant column but the audit trail (a new one must be added)', async () => {
    expect(await tablesWithTenantColumn(db())).toEqual([...TENANT_TABLES, ...KEPT_WITH_TENANT_DELETED].sort());
  });

  it('deletes a tenant and every row of it in one write, leaving other tenants and its audit events', async () => {
    const doomed = 'doomed.example';
    const kept = 'kept.example';
    for (const domain of [doomed, kept]) expect((await call('POST', '/tenants', { domain })).status).toBe(201);
    // Rows made the way the tenant's requests make them...
    await asTenant(doomed, async () => {
      await createClient(server, { client_name: 'doomed app', grant_types: ['client_credentials'] });
      await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: 'correct horse battery' }, true));
      await server.app.get(IdentityProvidersService).create(parseIdentityProviderInput({ name: 'idp', issuer: 'https://idp.example', jwks_uri: 'https://idp.example/jwks' }));
    });
    await asTenant(kept, async () => {
      await createClient(server, { client_name: 'kept app', grant_types: ['client_credentials'] });
      await server.app.get(EncryptionKeysService).generate();
    });
    // ...and one in every table, as a later migration's table would get; keys of the tenants that
    // stay are real ones (the key ring reads them), the deleted tenant's never read again.
    const tables = await tablesWithTenantColumn(db());
    for (const table of tables) await insertTenantRow(db(), table, doomed);
    for (const domain of [kept, DEFAULT]) for (const table of tables) if (!/_keys$/.test(table)) await insertTenantRow(db(), table, domain);
    const before = await rowsOfTenant(db(), tables, doomed);
    expect(Object.values(before).every((count) => count >= 1)).toBe(true);
    const othersBefore = [await rowsOfTenant(db(), tables, kept), await rowsOfTenant(db(), tables, DEFAULT)];

    expect(await call('DELETE', `/tenants/${doomed}`)).toEqual({ status: 204, body: undefined });

    const after = await rowsOfTenant(db(), tables, doomed);
    expect(after).toEqual({ ...Object.fromEntries(TENANT_TABLES.map((table) => [table, 0])), audit_events: before.audit_events });
    expect([await rowsOfTenant(db(), tables, kept), await rowsOfTenant(db(), tables, DEFAULT)]).toEqual([
      othersBefore[0],
      // The default tenant's trail gained the deletion.
      { ...othersBefore[1], audit_events: othersBefore[1].audit_events + 1 },
    ]);
    expect((await call('GET', `/tenants/${doomed}`)).status).toBe(404);
    expect((await call('GET', '/audit-events?event=tenant.deleted')).body.items[0]).toMatchObject({ tenant: DEFAULT, target: doomed });
    expect(await call('DELETE', `/tenants/${doomed}`)).toEqual({ status: 404, body: { error: 'not_found', error_description: `no tenant with domain ${doomed}` } });
  });

  it('deletes nothing when the tenant is not there: the write is one, refused whole', async () => {
    // Rows of a tenant without its record (none exist: this shows the write is all or nothing).
    const orphan = 'orphan.example';
    await insertTenantRow(db(), 'clients', orphan);
    expect((await call('DELETE', `/tenants/${orphan}`)).status).toBe(404);
    expect(await rowsOfTenant(db(), ['clients'], orphan)).toEqual({ clients: 1 });
    expect((await call('DELETE', '/tenants/NOT..valid')).status).toBe(404);
  });
});
