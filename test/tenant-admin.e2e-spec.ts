import type { ClientView } from '../src/clients/clients.service';
import { DEFAULT_TENANT } from '../src/common/request-context';
import { basic, createClient, startServer, stopServer, TestServer } from './support/server';

const A = 'a.example';
const B = 'b.example';
const INVALID_TOKEN = { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' };

interface Answer {
  status: number;
  challenge: string | null;
  body: any;
}

/**
 * Administration by tenant (issue 26 item 5): each tenant's admin API checks tokens in that
 * tenant, a super-admin of the default tenant (`admin` + `super_admin = true`) administers any
 * tenant and the tenants themselves, and nobody but the CLI or a super-admin makes a super-admin.
 */
describe('administration by tenant', () => {
  let server: TestServer;
  let superAdmin: ClientView;
  let superToken: string;
  let defaultAdmin: ClientView;
  let defaultToken: string;
  let tenantAdmin: ClientView;
  let tenantToken: string;

  /** An admin API request; `prefix` is `/t/{domain}` or '' and `path` may carry a query. */
  const call = async (token: string, method: string, prefix: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${server.url}${prefix}/api/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: text ? JSON.parse(text) : undefined };
  };
  /** A client_credentials token with scope admin from the token endpoint under `prefix`. */
  const adminTokenOf = async (client: ClientView, prefix = ''): Promise<string> => {
    const response = await fetch(`${server.url}${prefix}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.client_id, client.client_secret!) },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin' }),
    });
    const body = (await response.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`no admin token: ${JSON.stringify(body)}`);
    return body.access_token;
  };
  const insufficient = (description: string) => ({ status: 403, body: { error: 'insufficient_scope', error_description: description } });

  beforeAll(async () => {
    server = await startServer({ oauth: { registration: { open: true } } });
    // The CLI's way in (an operator's in-process create): the first super-admin.
    superAdmin = await createClient(server, { client_name: 'root', scope: 'admin', super_admin: true });
    superToken = await adminTokenOf(superAdmin);
    defaultAdmin = await createClient(server, { client_name: 'default admin', scope: 'admin' });
    defaultToken = await adminTokenOf(defaultAdmin);
    for (const domain of [A, B]) expect((await call(superToken, 'POST', '', '/tenants', { domain })).status).toBe(201);
    // A tenant's own admin, made by the super-admin acting in that tenant.
    const made = await call(superToken, 'POST', `/t/${A}`, '/clients', { client_name: 'a admin', scope: 'admin' });
    expect(made.status).toBe(201);
    tenantAdmin = made.body;
    tenantToken = await adminTokenOf(tenantAdmin, `/t/${A}`);
  });
  afterAll(() => stopServer(server));

  describe('a tenant admin token', () => {
    it('is accepted at its own tenant\'s admin API, by path and by ?tenantDomain=', async () => {
      const byPath = await call(tenantToken, 'GET', `/t/${A}`, '/clients');
      expect(byPath.status).toBe(200);
      expect(byPath.body.items.map((client: ClientView) => client.client_id)).toEqual([tenantAdmin.client_id]);
      expect((await call(tenantToken, 'GET', '', `/clients?tenantDomain=${A}`)).status).toBe(200);
    });

    it('is refused with 401 invalid_token at another tenant\'s admin API, by path and by ?tenantDomain=', async () => {
      for (const [prefix, path] of [[`/t/${B}`, '/clients'], ['', `/clients?tenantDomain=${B}`], ['', '/clients'], ['', `/clients?tenantDomain=${DEFAULT_TENANT}`]]) {
        const answer = await call(tenantToken, 'GET', prefix, path);
        expect({ at: `${prefix}${path}`, status: answer.status, body: answer.body }).toEqual({ at: `${prefix}${path}`, status: 401, body: INVALID_TOKEN });
        expect(answer.challenge).toContain('error="invalid_token"');
      }
    });

    it('cannot set super_admin, in either direction, on a new client or its own', async () => {
      const refused = insufficient('super_admin is set only by the grantry CLI or with a super-admin\'s token');
      expect(await strip(call(tenantToken, 'POST', `/t/${A}`, '/clients', { client_name: 'sneaky', scope: 'admin', super_admin: true }))).toEqual(refused);
      expect(await strip(call(tenantToken, 'PATCH', `/t/${A}`, `/clients/${tenantAdmin.client_id}`, { super_admin: true }))).toEqual(refused);
      expect(await strip(call(tenantToken, 'PATCH', `/t/${A}`, `/clients/${tenantAdmin.client_id}`, { super_admin: false }))).toEqual(refused);
      expect((await call(tenantToken, 'GET', `/t/${A}`, `/clients/${tenantAdmin.client_id}`)).body.super_admin).toBe(false);
    });

    it('does not reach the tenants API', async () => {
      expect((await call(tenantToken, 'GET', '', '/tenants')).status).toBe(401);
      expect((await call(tenantToken, 'GET', `/t/${A}`, '/tenants')).status).toBe(403);
    });
  });

  describe('a super-admin token', () => {
    it('is accepted at any tenant\'s admin API and acts in that tenant', async () => {
      const created = await call(superToken, 'POST', '', `/clients?tenantDomain=${B}`, { client_name: 'b service', scope: 'read' });
      expect(created.status).toBe(201);
      // The client is B's: B's token endpoint issues to it, the default tenant's does not know it.
      const issue = (prefix: string) =>
        fetch(`${server.url}${prefix}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(created.body.client_id, created.body.client_secret) },
          body: new URLSearchParams({ grant_type: 'client_credentials' }),
        });
      expect((await issue(`/t/${B}`)).status).toBe(200);
      expect((await issue('')).status).toBe(401);
      const listed = await call(superToken, 'GET', `/t/${B}`, '/clients');
      expect(listed.body.items.map((client: ClientView) => client.client_id)).toEqual([created.body.client_id]);
      // Its change is in B's audit trail, by the super-admin, and not in the default tenant's.
      const trail = await call(superToken, 'GET', `/t/${B}`, `/audit-events?client_id=${created.body.client_id}`);
      expect(trail.body.items).toEqual([expect.objectContaining({ tenant: B, event: 'client.created', actor: `super-admin:${superAdmin.client_id}` })]);
      expect((await call(superToken, 'GET', '', `/audit-events?client_id=${created.body.client_id}`)).body.items).toEqual([]);
    });

    it('alone reaches the tenants API', async () => {
      expect((await call(superToken, 'GET', '', '/tenants')).status).toBe(200);
      expect(await strip(call(defaultToken, 'GET', '', '/tenants'))).toEqual(insufficient('tenants are administered with a super-admin\'s token only'));
    });

    it('makes a super-admin of the default tenant, and of no other tenant', async () => {
      const made = await call(superToken, 'POST', '', '/clients', { client_name: 'second root', scope: 'admin', super_admin: true });
      expect(made.status).toBe(201);
      expect(made.body.super_admin).toBe(true);
      expect(await strip(call(superToken, 'POST', `/t/${B}`, '/clients', { client_name: 'b root', scope: 'admin', super_admin: true }))).toEqual({
        status: 400,
        body: { error: 'invalid_client_metadata', error_description: `super_admin is only for clients of the default tenant ${DEFAULT_TENANT}` },
      });
      // ... and its token is a super-admin's at once.
      expect((await call(await adminTokenOf(made.body), 'GET', `/t/${B}`, '/clients')).status).toBe(200);
    });
  });

  describe('an admin of the default tenant that is not a super-admin', () => {
    it('is refused with 401 invalid_token at another tenant\'s admin API', async () => {
      expect(await strip(call(defaultToken, 'GET', `/t/${A}`, '/clients'))).toEqual({ status: 401, body: INVALID_TOKEN });
      expect(await strip(call(defaultToken, 'GET', '', `/clients?tenantDomain=${A}`))).toEqual({ status: 401, body: INVALID_TOKEN });
    });

    it('cannot make a super-admin, nor change, rotate, delete or plant a certificate for one', async () => {
      expect(await strip(call(defaultToken, 'POST', '', '/clients', { client_name: 'sneaky', scope: 'admin', super_admin: true }))).toEqual(
        insufficient('super_admin is set only by the grantry CLI or with a super-admin\'s token'),
      );
      expect(await strip(call(defaultToken, 'PATCH', '', `/clients/${defaultAdmin.client_id}`, { super_admin: true }))).toEqual(
        insufficient('super_admin is set only by the grantry CLI or with a super-admin\'s token'),
      );
      const touching = insufficient(`client ${superAdmin.client_id} is a super-admin: only a super-admin's token may change it`);
      expect(await strip(call(defaultToken, 'PATCH', '', `/clients/${superAdmin.client_id}`, { token_endpoint_auth_method: 'private_key_jwt' }))).toEqual(touching);
      expect(await strip(call(defaultToken, 'POST', '', `/clients/${superAdmin.client_id}/secret`))).toEqual(touching);
      expect(await strip(call(defaultToken, 'DELETE', '', `/clients/${superAdmin.client_id}`))).toEqual(touching);
      expect(await strip(call(defaultToken, 'POST', '', '/certificates', { alias: superAdmin.client_id, certificate: 'not even read' }))).toEqual(touching);
      // Still a super-admin, with its secret.
      expect((await call(await adminTokenOf(superAdmin), 'GET', `/t/${A}`, '/clients')).status).toBe(200);
      // Other clients it changes as before.
      expect((await call(defaultToken, 'PATCH', '', `/clients/${defaultAdmin.client_id}`, { client_name: 'renamed' })).status).toBe(200);
    });
  });

  it('refuses super_admin to an RFC 7591 registrant', async () => {
    const response = await fetch(`${server.url}/oauth2/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'registrant', redirect_uris: ['https://app.example.com/cb'], super_admin: true }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_client_metadata', error_description: 'super_admin is set by the server\'s operator, not by registration' });
  });
});

/** Status and body, for whole-answer comparisons. */
async function strip(answer: Promise<Answer>): Promise<{ status: number; body: unknown }> {
  const { status, body } = await answer;
  return { status, body };
}
