import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { DEFAULT_TENANT } from '../src/common/request-context';
import { PluginTestServer, startTestServer } from '../src/plugin-sdk/testing';
import { writeText } from './support/certificates';

const GRANT = 'urn:example:params:oauth:grant-type:tenant-echo';

/** A grant plugin that puts what it sees of the tenant into the token. */
const TENANT_GRANT = `
module.exports = class TenantEcho {
  async handle({ client, tenant, properties }) {
    return { subject: client.clientId, scopes: [], claims: { seen_tenant: tenant.domain, seen_issuer: tenant.issuer, seen_default: tenant.isDefault, seen_greeting: tenant.properties.greeting, file_greeting: properties.greeting } };
  }
};
`;

/** An authenticator plugin that authenticates a client only in the tenant the request says it expects. */
const TENANT_AUTHENTICATOR = `
module.exports = class TenantPinned {
  method = 'tenant_pinned';
  constructor({ services }) { this.services = services; }
  canAuthenticate(request) { return typeof request.headers['x-expect-tenant'] === 'string' && request.param('client_id') !== undefined; }
  async authenticate(request, { tenant }) {
    const { OAuthError } = this.services;
    if (request.headers['x-expect-tenant'] !== tenant.domain) throw OAuthError.invalidClient(undefined, { detail: 'called for tenant ' + tenant.domain });
    // services look in the request's tenant: a client of another tenant is not found.
    const client = await this.services.clients.find(request.param('client_id'));
    if (!client) throw OAuthError.invalidClient(undefined, { detail: 'no such client in ' + tenant.domain });
    return { client };
  }
};
`;

/** Plugins and tenants (issue 26 item 6), through the plugin test kit: a tenant made by it, requests run in it. */
describe('plugin test kit: tenants', () => {
  let dir: string;
  let server: PluginTestServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-plugin-tenants-'));
    writeText(dir, 'tenant-echo.js', TENANT_GRANT);
    writeText(dir, 'tenant-pinned.js', TENANT_AUTHENTICATOR);
    server = await startTestServer({
      toml: {
        oauth: { custom_grant_type: [{ name: GRANT, grant_handler: join(dir, 'tenant-echo.js'), properties: { greeting: 'hello' } }] },
        event_listener: [{ id: 'tenant_pinned', name: join(dir, 'tenant-pinned.js'), order: 150 }],
      },
    });
  });
  afterAll(async () => {
    try {
      await server?.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates a tenant whose requests the grant plugin sees as that tenant\'s', async () => {
    const tenant = await server.createTenant('wso2.com', { display_name: 'WSO2' });
    expect(tenant).toMatchObject({ domain: 'wso2.com', url: `${server.url}/t/wso2.com`, tokenEndpoint: `${server.url}/t/wso2.com/oauth2/token` });
    const client = await tenant.createClient({ grant_types: [GRANT] });
    const issued = await tenant.token({ grant_type: GRANT }, client);
    expect(issued.status).toBe(200);
    expect(decodeJwt(issued.body.access_token as string)).toMatchObject({
      iss: `${server.url}/t/wso2.com`, seen_tenant: 'wso2.com', seen_issuer: `${server.url}/t/wso2.com`, seen_default: false, seen_greeting: 'hello', file_greeting: 'hello',
    });
    // The tenant's client is not the default tenant's.
    expect((await server.token({ grant_type: GRANT }, client)).status).toBe(401);

    const own = await server.createClient({ grant_types: [GRANT] });
    expect(decodeJwt((await server.token({ grant_type: GRANT }, own)).body.access_token as string)).toMatchObject({ iss: server.url, seen_tenant: DEFAULT_TENANT, seen_issuer: server.url, seen_default: true });
  });

  it('hands a client authenticator plugin the tenant, and its services look there', async () => {
    const tenant = await server.createTenant('pinned.example');
    const client = await tenant.createClient({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'tenant_pinned' });
    const ask = (issuer: { token: PluginTestServer['token'] }, expect: string) => issuer.token({ grant_type: 'client_credentials', client_id: client.client_id }, undefined, { 'x-expect-tenant': expect });
    expect((await ask(tenant, 'pinned.example')).status).toBe(200);
    expect((await ask(tenant, DEFAULT_TENANT)).status).toBe(401);
    // At the default tenant the plugin is told so, and its clients.find does not see the tenant's client.
    expect((await ask(server, DEFAULT_TENANT)).body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });
});
