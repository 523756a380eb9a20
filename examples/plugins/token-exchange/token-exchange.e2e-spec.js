// The token exchange plugin's tests, through grantry's plugin test kit (a real server on loopback).
const { startTestServer } = require('grantry/plugin/testing');

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

describe('RFC 8693 token exchange plugin', () => {
  let server, frontend, backend;

  beforeAll(async () => {
    server = await startTestServer({
      toml: {
        oauth: {
          custom_grant_type: [
            { name: TOKEN_EXCHANGE, grant_handler: require.resolve('./index.js'), properties: { allowed_audiences: ['api://orders'], accepted_subject_audiences: ['api://backend'] } },
          ],
        },
      },
    });
    // The frontend's tokens are for the backend's API; the backend may trade them for tokens to the orders API.
    frontend = await server.createClient({ grant_types: ['client_credentials'], scope: 'orders:read orders:write', audience: ['api://backend'] });
    backend = await server.createClient({ grant_types: [TOKEN_EXCHANGE], scope: 'orders:read orders:write', audience: ['api://orders'] });
  });
  afterAll(() => server?.close());

  async function subjectToken(scope = 'orders:read orders:write') {
    const { body } = await server.token({ grant_type: 'client_credentials', scope }, frontend);
    return body.access_token;
  }

  it('exchanges an access token for one issued to the calling client, for an allowed audience', async () => {
    const { status, body } = await server.token(
      { grant_type: TOKEN_EXCHANGE, subject_token: await subjectToken(), subject_token_type: ACCESS_TOKEN, audience: 'api://orders', scope: 'orders:read' },
      backend,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', issued_token_type: ACCESS_TOKEN, scope: 'orders:read' });
    expect(claimsOf(body.access_token)).toMatchObject({ sub: frontend.client_id, client_id: backend.client_id, aud: 'api://orders' });
  });

  it('never outlives the subject token, so chained exchanges cannot stretch it', async () => {
    const subject = await subjectToken();
    const { body } = await server.token({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: ACCESS_TOKEN }, backend);
    expect(claimsOf(body.access_token).exp).toBeLessThanOrEqual(claimsOf(subject).exp);
  });

  it('refuses a DPoP-bound subject token: it is usable only with its proof, which an exchange does not carry', async () => {
    const { generateKeyPair, exportJWK, SignJWT } = await import('jose');
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const proof = await new SignJWT({ htm: 'POST', htu: `${server.url}/oauth2/token`, jti: `${Math.random()}`, iat: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(publicKey) })
      .sign(privateKey);
    const bound = (await server.token({ grant_type: 'client_credentials', scope: 'orders:read' }, frontend, { dpop: proof })).body;
    expect(bound.token_type).toBe('DPoP');
    const { status, body } = await server.token({ grant_type: TOKEN_EXCHANGE, subject_token: bound.access_token, subject_token_type: ACCESS_TOKEN }, backend);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_grant', error_description: 'subject_token is sender-constrained and cannot be exchanged' });
  });

  it('refuses a subject token that was not issued for the caller', async () => {
    const stranger = await server.createClient({ grant_types: ['client_credentials'], scope: 'orders:read' });
    const foreign = (await server.token({ grant_type: 'client_credentials' }, stranger)).body.access_token; // aud: the stranger itself
    const { body } = await server.token({ grant_type: TOKEN_EXCHANGE, subject_token: foreign, subject_token_type: ACCESS_TOKEN }, backend);
    expect(body).toEqual({ error: 'invalid_grant', error_description: 'subject_token was not issued for this client' });
  });

  it('keeps only the scopes the calling client is registered for', async () => {
    const narrow = await server.createClient({ grant_types: [TOKEN_EXCHANGE], scope: 'orders:read' });
    const { body } = await server.token({ grant_type: TOKEN_EXCHANGE, subject_token: await subjectToken(), subject_token_type: ACCESS_TOKEN }, narrow);
    expect(body.scope).toBe('orders:read');
    const asked = await server.token({ grant_type: TOKEN_EXCHANGE, subject_token: await subjectToken(), subject_token_type: ACCESS_TOKEN, scope: 'orders:write' }, narrow);
    expect(asked.body).toEqual({ error: 'invalid_scope', error_description: "scope not allowed for this client: orders:write (this client's registered scopes: orders:read)" });
  });

  it('records the actor in act when an actor_token is given', async () => {
    const actorToken = (await server.token({ grant_type: 'client_credentials' }, frontend)).body.access_token;
    const { body } = await server.token(
      { grant_type: TOKEN_EXCHANGE, subject_token: await subjectToken(), subject_token_type: ACCESS_TOKEN, actor_token: actorToken, actor_token_type: ACCESS_TOKEN },
      backend,
    );
    expect(claimsOf(body.access_token).act).toEqual({ sub: frontend.client_id, client_id: frontend.client_id });
  });

  it.each([
    [{ subject_token: 'x' }, 'invalid_request', 'subject_token_type is required'],
    [{ subject_token: 'x', subject_token_type: 'urn:other' }, 'invalid_request', `subject_token_type must be ${ACCESS_TOKEN}`],
    [{ subject_token: 'not-a-token', subject_token_type: ACCESS_TOKEN }, 'invalid_grant', 'subject_token is not an active access token of this server'],
    [{ subject_token_type: ACCESS_TOKEN, requested_token_type: 'urn:ietf:params:oauth:token-type:id_token', subject_token: 'x' }, 'invalid_request', 'requested_token_type urn:ietf:params:oauth:token-type:id_token is not supported; only urn:ietf:params:oauth:token-type:access_token'],
    [{ subject_token: 'x', subject_token_type: ACCESS_TOKEN, actor_token: 'y' }, 'invalid_request', 'actor_token and actor_token_type go together'],
  ])('rejects %j', async (params, error, description) => {
    const { status, body } = await server.token({ grant_type: TOKEN_EXCHANGE, ...params }, backend);
    expect(status).toBe(400);
    expect(body).toEqual({ error, error_description: description });
  });

  it('refuses an audience that is not configured, and a wider scope', async () => {
    const token = await subjectToken('orders:read');
    const audience = await server.token({ grant_type: TOKEN_EXCHANGE, subject_token: token, subject_token_type: ACCESS_TOKEN, audience: 'api://payments' }, backend);
    expect(audience.body).toEqual({ error: 'invalid_target', error_description: 'audience not allowed: api://payments' });
    const wider = await server.token({ grant_type: TOKEN_EXCHANGE, subject_token: token, subject_token_type: ACCESS_TOKEN, scope: 'orders:write' }, backend);
    expect(wider.body).toEqual({ error: 'invalid_scope', error_description: 'scope not in the subject token: orders:write' });
  });
});
