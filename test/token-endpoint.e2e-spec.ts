import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';
import * as oauth from 'oauth4webapi';
import * as openid from 'openid-client';
import type { ClientView } from '../src/clients/clients.service';
import { basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

describe('token endpoint: client_credentials (RFC 6749 §4.4)', () => {
  let server: TestServer;
  let client: ClientView;

  beforeAll(async () => {
    server = await startServer();
    client = await createClient(server, { grant_types: ['client_credentials'], scope: 'read write' });
  });
  afterAll(() => stopServer(server)); // also after a failed beforeAll

  const auth = () => ({ authorization: basic(client.client_id, client.client_secret!) });

  it('issues an RFC 9068 JWT to oauth4webapi that verifies against the JWKS', async () => {
    const issuer = new URL(server.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }));
    const rp = { client_id: client.client_id };
    const response = await oauth.clientCredentialsGrantRequest(as, rp, oauth.ClientSecretBasic(client.client_secret!), new URLSearchParams({ scope: 'read' }), {
      [oauth.allowInsecureRequests]: true,
    });
    const tokens = await oauth.processClientCredentialsResponse(as, rp, response);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('read');
    expect(tokens.expires_in).toBe(3600);

    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: server.url, typ: 'at+jwt' });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ iss: server.url, sub: client.client_id, aud: client.client_id, client_id: client.client_id, scope: 'read' });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(typeof payload.jti).toBe('string');
  });

  it('works with openid-client and client_secret_post', async () => {
    const postClient = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post', scope: 'read' });
    const config = await openid.discovery(new URL(server.url), postClient.client_id, undefined, openid.ClientSecretPost(postClient.client_secret!), {
      execute: [openid.allowInsecureRequests],
    });
    const tokens = await openid.clientCredentialsGrant(config, { scope: 'read' });
    expect(tokens.access_token.split('.')).toHaveLength(3);
    expect(tokens.scope).toBe('read');
  });

  it('grants the registered scope when the request names none', async () => {
    const { status, body, headers } = await tokenRequest(server, { grant_type: 'client_credentials' }, auth());
    expect(status).toBe(200);
    expect(body.scope).toBe('read write');
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('pragma')).toBe('no-cache');
  });

  it('rejects an unlisted scope with invalid_scope', async () => {
    const { status, body } = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'read admin' }, auth());
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_scope', error_description: 'scope not allowed for this client: admin (this client\'s registered scopes: read write)' });
  });

  it('answers a wrong secret with 401 invalid_client and a Basic challenge (§5.2)', async () => {
    const { status, body, headers } = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, 'wrong') });
    expect(status).toBe(401);
    expect(body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    expect(headers.get('www-authenticate')).toBe('Basic realm="grantry"');
  });

  it('says the same for an unknown client as for a wrong secret', async () => {
    const { status, body } = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic('nobody', 'x') });
    expect(status).toBe(401);
    expect(body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });

  it('answers a failed client_secret_post with 401 and no challenge', async () => {
    const postClient = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' });
    const { status, headers, body } = await tokenRequest(server, { grant_type: 'client_credentials', client_id: postClient.client_id, client_secret: 'wrong' });
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(headers.get('www-authenticate')).toBeNull();
  });

  it('enforces the registered authentication method', async () => {
    const { status, body } = await tokenRequest(server, {
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret!,
    });
    expect(status).toBe(401);
    expect(body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });

  it('rejects credentials for two methods in one request with invalid_request', async () => {
    const { status, body } = await tokenRequest(server, { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret! }, auth());
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toMatch(/more than one client authentication method/);
  });

  it('refuses a client_id in the body that is not the one of the Basic credentials with invalid_request', async () => {
    // One request, one client: a body naming another (or no such) client contradicts the header.
    const other = await createClient(server, { grant_types: ['client_credentials'], scope: 'read' });
    for (const clientId of [other.client_id, 'nobody']) {
      const { status, body } = await tokenRequest(server, { grant_type: 'client_credentials', client_id: clientId }, auth());
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_request', error_description: 'client_id does not match the authenticated client' });
    }
    // Repeating the client's own client_id beside its credentials is harmless (some libraries send it).
    expect((await tokenRequest(server, { grant_type: 'client_credentials', client_id: client.client_id }, auth())).status).toBe(200);
  });

  it('percent-decodes Basic credentials (§2.3.1)', async () => {
    const { status } = await tokenRequest(server, { grant_type: 'client_credentials' }, auth());
    expect(status).toBe(200);
    // base64 of "id%3Ax:secret" must not match the client "id" — the escaped colon is part of the id.
    const escaped = `Basic ${Buffer.from(`${client.client_id}%3Ax:${client.client_secret}`).toString('base64')}`;
    expect((await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: escaped })).status).toBe(401);
  });

  it.each([
    ['not base64', 'Basic !!!'],
    ['no colon', `Basic ${Buffer.from('abc').toString('base64')}`],
    ['bad percent-encoding', `Basic ${Buffer.from('a%zz:b').toString('base64')}`],
  ])('answers a malformed Basic header (%s) with 401 invalid_client', async (_, header) => {
    const { status, body, headers } = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: header });
    expect(status).toBe(401);
    expect(body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    expect(headers.get('www-authenticate')).toBe('Basic realm="grantry"');
  });

  it('rejects a repeated parameter (§3.2)', async () => {
    const { status, body } = await tokenRequest(server, { grant_type: ['client_credentials', 'client_credentials'] }, auth());
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_request', error_description: 'parameter grant_type is included more than once' });
  });

  it('requires grant_type', async () => {
    const { status, body } = await tokenRequest(server, { scope: 'read' }, auth());
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_request', error_description: 'grant_type is required' });
  });

  it('answers an unknown grant with unsupported_grant_type', async () => {
    const { status, body } = await tokenRequest(server, { grant_type: 'urn:example:nope' }, auth());
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'unsupported_grant_type', error_description: 'grant_type urn:example:nope is not supported' });
  });

  it('refuses a grant the client is not registered for with unauthorized_client', async () => {
    const publicClient = await createClient(server, { grant_types: [], token_endpoint_auth_method: 'none' });
    const { status, body } = await tokenRequest(server, { grant_type: 'client_credentials', client_id: publicClient.client_id });
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'unauthorized_client', error_description: 'this client is not allowed to use grant_type client_credentials' });
  });

  it.each([
    ['JSON', 'application/json', JSON.stringify({ grant_type: 'client_credentials' })],
    ['plain text', 'text/plain', 'grant_type=client_credentials'],
    ['XML', 'application/xml', '<grant_type>client_credentials</grant_type>'],
  ])('answers a %s body with 400 invalid_request', async (_, contentType, body) => {
    const response = await fetch(`${server.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': contentType, ...auth() }, body });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('answers a 1 MB body with 413 and a JSON error', async () => {
    const response = await fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth() },
      body: `grant_type=client_credentials&pad=${'a'.repeat(1024 * 1024)}`,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'request_too_large', error_description: 'Request body is too large' });
  });

  it('sets aud to a requested resource the client registered (RFC 8707), and refuses others', async () => {
    const api = await createClient(server, { grant_types: ['client_credentials'], audience: ['https://api.example.com', 'https://other.example.com'] });
    const ok = await tokenRequest(server, { grant_type: 'client_credentials', resource: 'https://api.example.com' }, { authorization: basic(api.client_id, api.client_secret!) });
    expect(ok.status).toBe(200);
    const { payload } = await jwtVerify(ok.body.access_token as string, createRemoteJWKSet(new URL(`${server.url}/oauth2/jwks`)));
    expect(payload.aud).toBe('https://api.example.com');

    const all = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(api.client_id, api.client_secret!) });
    const { payload: allPayload } = await jwtVerify(all.body.access_token as string, createRemoteJWKSet(new URL(`${server.url}/oauth2/jwks`)));
    expect(allPayload.aud).toEqual(['https://api.example.com', 'https://other.example.com']);

    const denied = await tokenRequest(server, { grant_type: 'client_credentials', resource: 'https://evil.example.com' }, { authorization: basic(api.client_id, api.client_secret!) });
    expect(denied.status).toBe(400);
    expect(denied.body).toEqual({ error: 'invalid_target', error_description: 'resource not allowed for this client: https://evil.example.com' });
  });

  it('issues an opaque token, stored hashed, to a client registered for that format', async () => {
    const opaqueClient = await createClient(server, { grant_types: ['client_credentials'], access_token_format: 'opaque' });
    const { status, body } = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(opaqueClient.client_id, opaqueClient.client_secret!) });
    expect(status).toBe(200);
    const token = body.access_token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await server.app.get(DataSource).query('SELECT token_hash FROM access_tokens');
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored.length).toBeGreaterThan(0);
  });

  it('signs with the active key and names it in the header', async () => {
    const { body } = await tokenRequest(server, { grant_type: 'client_credentials' }, auth());
    const jwks = (await (await fetch(`${server.url}/oauth2/jwks`)).json()) as { keys: { kid: string; d?: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toContain(decodeProtectedHeader(body.access_token as string).kid);
    expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
  });
});
