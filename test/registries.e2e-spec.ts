import { releaseAfterEach } from './support/resources';
import { basic, createClient, startServer, TestServer, tokenRequest } from './support/server';

async function discovery(server: TestServer): Promise<Record<string, unknown>> {
  return (await fetch(`${server.url}/.well-known/openid-configuration`)).json() as Promise<Record<string, unknown>>;
}

describe('ordered registries configured from TOML', () => {
  const release = releaseAfterEach();

  /** A server on a fresh database, both released after the test. */
  async function serve(toml: Record<string, unknown> = {}): Promise<TestServer> {
    const server = await startServer(toml);
    release(() => server.db.drop());
    release(() => server.close());
    return server;
  }

  it('lists the enabled grants and methods in discovery, in order, with endpoints under the issuer', async () => {
    const server = await serve();
    const document = await discovery(server);
    expect(document).toMatchObject({
      issuer: server.url,
      token_endpoint: `${server.url}/oauth2/token`,
      jwks_uri: `${server.url}/oauth2/jwks`,
      grant_types_supported: ['client_credentials', 'authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'],
    });
    const rfc8414 = await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json();
    expect(rfc8414).toEqual(document);
  });

  it('switches an authenticator off and re-orders another with [[event_listener]] (WSO2 string spellings)', async () => {
    const server = await serve({
      event_listener: [
        { id: 'client_secret_post', enable: 'false' },
        { name: 'org.wso2.carbon.identity.oauth2.client.authentication.BasicAuthClientAuthenticator', order: '2000' },
      ],
    });
    expect((await discovery(server)).token_endpoint_auth_methods_supported).toEqual(['client_secret_jwt', 'private_key_jwt', 'none', 'client_secret_basic']);
    const client = await createClient(server, { grant_types: ['client_credentials'] });
    const post = await tokenRequest(server, { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret! });
    expect(post.status).toBe(401);
    expect(post.body.error).toBe('invalid_client');
    const viaBasic = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret!) });
    expect(viaBasic.status).toBe(200);
  });

  it('takes the method name private_key_jwt as the id of WSO2\'s private_key_jwt_authenticator', async () => {
    const server = await serve({ event_listener: [{ id: 'private_key_jwt', order: '50' }, { id: 'client_secret_jwt', enable: false }] });
    expect((await discovery(server)).token_endpoint_auth_methods_supported).toEqual(['private_key_jwt', 'client_secret_basic', 'client_secret_post', 'none']);
    await expect(serve({ event_listener: [{ id: 'private_key_jwt', enable: false }, { id: 'private_key_jwt_authenticator' }] })).rejects.toThrow(
      'event_listener[1] id = "private_key_jwt_authenticator" configures the same authenticator as event_listener[0] (private_key_jwt_authenticator): make them one entry',
    );
  });

  it('switches a grant off with [oauth.grant_type.<name>] enable = false', async () => {
    const server = await serve({ oauth: { grant_type: { client_credentials: { enable: false } } } });
    expect((await discovery(server)).grant_types_supported).toEqual(['authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'refresh_token']);
    const { status, body } = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic('a', 'b') });
    expect(status).toBe(400);
    expect(body.error).toBe('unsupported_grant_type');
  });

  it('signs with ES256 when [oauth.token] signing_alg says so', async () => {
    const server = await serve({ oauth: { token: { signing_alg: 'ES256', access_token_ttl: 600 } } });
    const client = await createClient(server, { grant_types: ['client_credentials'] });
    const { body } = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret!) });
    expect(JSON.parse(Buffer.from((body.access_token as string).split('.')[0], 'base64url').toString()).alg).toBe('ES256');
    expect(body.expires_in).toBe(600);
    expect((await discovery(server)).id_token_signing_alg_values_supported).toEqual(['ES256']);
  });

  it('answers /health with 200 when the database is up and keys are loaded', async () => {
    const server = await serve();
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', database: 'up', keys: 'loaded' });
  });
});
