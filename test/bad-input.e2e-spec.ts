import { Logger } from '@nestjs/common';
import { parseIdentityProviderInput } from '../src/identity-providers/identity-provider-input';
import { IdentityProvidersService } from '../src/identity-providers/identity-providers.service';
import { jwksServer, keyPair, signAssertion } from './support/assertions';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

/** Bad input gets a clear 4xx and changes nothing; never a 500. */
describe('bad input', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => stopServer(server));

  it('answers deeply nested JSON on the admin API with 400, not 500', async () => {
    const token = await adminToken(server);
    const depth = 9000;
    const body = `{"client_name":"n","jwks":{"keys":[{"kty":"RSA","x":${'['.repeat(depth)}1${']'.repeat(depth)}}]}}`;
    const response = await fetch(`${server.url}/api/admin/v1/clients`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: 'the JSON body is nested deeper than 32 levels' });
  });

  it('refuses a subject longer than its column with invalid_grant, consuming nothing', async () => {
    const idp = await keyPair('ES256');
    const jwks = await jwksServer([idp.publicJwk]);
    try {
      await server.app.get(IdentityProvidersService).create(parseIdentityProviderInput({ name: 'long', issuer: 'long', jwks_uri: jwks.url, allow_insecure_jwks_uri: true }));
      const client = await createClient(server, { grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] });
      const assertion = await signAssertion(idp, { iss: 'long', sub: 's'.repeat(256), aud: `${server.url}/oauth2/token` });
      const send = () => tokenRequest(server, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }, { authorization: basic(client.client_id, client.client_secret!) });
      const expected = { error: 'invalid_grant', error_description: 'the subject is longer than 255 characters' };
      expect((await send()).body).toEqual(expected);
      expect((await send()).body).toEqual(expected); // not "jti used already": the first refusal consumed nothing
    } finally {
      await jwks.close();
    }
  });
});

describe('assertions with odd but well-formed JSON', () => {
  let server: TestServer;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let idp: Awaited<ReturnType<typeof keyPair>>;
  let client: Awaited<ReturnType<typeof createClient>>;
  beforeAll(async () => {
    server = await startServer();
    idp = await keyPair('ES256');
    jwks = await jwksServer([idp.publicJwk]);
    await server.app.get(IdentityProvidersService).create(parseIdentityProviderInput({ name: 'odd', issuer: 'odd', jwks_uri: jwks.url, allow_insecure_jwks_uri: true }));
    client = await createClient(server, { grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] });
  });
  afterAll(async () => {
    await jwks?.close();
    await stopServer(server);
  });
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const bearer = (assertion: string) =>
    tokenRequest(server, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }, { authorization: basic(client.client_id, client.client_secret!) });

  it('answers an alg that is not a string like any unverified assertion, for known and unknown clients alike', async () => {
    const pkjwt = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [idp.publicJwk] } });
    for (const clientId of [pkjwt.client_id, 'nobody-at-all']) {
      const assertion = `${encode({ alg: ['ES256'] })}.${encode({ iss: clientId, sub: clientId })}.AA`;
      const { status, body } = await tokenRequest(server, { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
      expect({ status, body }).toEqual({ status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } });
    }
    const { status, body } = await bearer(`${encode({ alg: { x: 1 } })}.${encode({ iss: 'odd', sub: 'a' })}.AA`);
    expect({ status, body }).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'the assertion is not valid' } });
  });

  it('accepts a NumericDate with a fraction (RFC 7519 §2), on every database', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { status } = await bearer(await signAssertion(idp, { iss: 'odd', sub: 'alice', aud: `${server.url}/oauth2/token`, iat: now, exp: now + 100.5 }));
    expect(status).toBe(200);
  });

  it('refuses a subject with control characters', async () => {
    const { body } = await bearer(await signAssertion(idp, { iss: 'odd', sub: 'ali\u0000ce', aud: `${server.url}/oauth2/token` }));
    expect(body).toEqual({ error: 'invalid_grant', error_description: 'the subject contains control characters' });
  });
});

describe('an http:// issuer', () => {
  it('is warned about at start-up when it is not loopback, naming the key', async () => {
    const warnings: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    const server = await startServer({ server: { base_url: 'http://auth.example.com' } });
    try {
      expect(warnings).toContainEqual(expect.stringContaining('[server] base_url = http://auth.example.com: an http:// issuer outside loopback'));
    } finally {
      spy.mockRestore();
      await server.close();
      await server.db.drop();
    }
  });
});
