import { ClientsService } from '../src/clients/clients.service';
import { ClientRegistrationService } from '../src/oauth/registration/client-registration.service';
import { UNCONSTRAINED } from '../src/oauth/core/sender-constraint';
import { AccessTokenIssuer } from '../src/oauth/tokens/access-token.issuer';
import { basic, createClient, startServer, stopServer, TEST_ACTOR, TestServer, tokenRequest } from './support/server';

const INVALID_TOKEN = { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' };

/** The admin API accepts only tokens the token endpoint confined to it, from clients that still hold `admin`. */
describe('admin API token confinement', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => stopServer(server));

  const listClients = (token: string) =>
    fetch(`${server.url}/api/admin/v1/clients`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: await r.json() }));

  async function adminClient(extra: Record<string, unknown> = {}) {
    const client = await createClient(server, { grant_types: ['client_credentials'], scope: 'admin', ...extra });
    const auth = { authorization: basic(client.client_id, client.client_secret!) };
    const token = (await tokenRequest(server, { grant_type: 'client_credentials', scope: 'admin' }, auth)).body.access_token as string;
    return { client, auth, token };
  }

  it('accepts the bootstrap token of DESIGN.md (client_credentials, scope=admin)', async () => {
    const { token } = await adminClient();
    expect((await listClients(token)).status).toBe(200);
  });

  it('never mints an admin token for another resource server', async () => {
    const { auth } = await adminClient({ audience: ['api://orders'] });
    const { body } = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'admin', resource: 'api://orders' }, auth);
    expect(body).toEqual({ error: 'invalid_target', error_description: 'a token with the admin scope is for the admin API only' });
  });

  it('refuses a token whose audience is another resource server', async () => {
    const orders = await createClient(server, { grant_types: ['client_credentials'], scope: 'read', audience: ['api://orders'] });
    const token = (await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(orders.client_id, orders.client_secret!) })).body.access_token as string;
    expect(await listClients(token)).toEqual({ status: 401, body: INVALID_TOKEN });
  });

  it('refuses an admin-scoped token whose audience is not <issuer>/api/admin', async () => {
    // The token endpoint never mints one (above), so the server's own issuer signs it here, as
    // for a token endpoint bug or a plugin path to come: the guard must not rely on the endpoint.
    const { client } = await adminClient();
    const registered = (await server.app.get(ClientsService).findForAuthentication(client.client_id))!;
    const mint = async (audience: string[]) =>
      (await server.app.get(AccessTokenIssuer).issue({ client: registered, principal: { subject: client.client_id }, scopes: ['admin'], audience, senderConstraint: UNCONSTRAINED })).token;
    // The same minting with the admin audience is accepted: what is refused below is the audience alone.
    expect((await listClients(await mint([`${server.url}/api/admin`]))).status).toBe(200);
    for (const audience of [['api://orders'], [server.url], [`${server.url}/api/admin/v1`], [`${server.url}/api/admin`, 'api://orders']]) {
      expect({ audience, ...(await listClients(await mint(audience))) }).toEqual({ audience, status: 401, body: INVALID_TOKEN });
    }
  });

  it('refuses the token of a client deleted since', async () => {
    const { client, token } = await adminClient();
    await server.app.get(ClientRegistrationService).delete(client.client_id, TEST_ACTOR);
    expect(await listClients(token)).toEqual({ status: 401, body: INVALID_TOKEN });
  });

  it('refuses the token of a client that lost the admin scope since', async () => {
    const { client, token } = await adminClient();
    await server.app.get(ClientRegistrationService).update(client.client_id, { scope: 'read' }, TEST_ACTOR);
    expect(await listClients(token)).toEqual({ status: 401, body: INVALID_TOKEN });
  });

  it('never grants admin by default: a client registered with it gets it only by asking', async () => {
    const { auth } = await adminClient({ scope: 'admin read' });
    const { body } = await tokenRequest(server, { grant_type: 'client_credentials' }, auth);
    expect(body.scope).toBe('read');
    expect(await listClients(body.access_token as string)).toEqual({ status: 401, body: INVALID_TOKEN });
  });
});
