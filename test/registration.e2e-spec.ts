import * as oauth from 'oauth4webapi';
import * as openid from 'openid-client';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { TruststoreService } from '../src/keys/truststore.service';
import { selfSignedCertificate } from './support/certificates';
import { InitialAccessTokens } from '../src/oauth/registration/initial-access-tokens';
import { jwksServer, keyPair, signAssertion, SigningKeyPair } from './support/assertions';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

/** Most clients here use client_credentials, which registration offers only where the operator lists it. */
const OPENED_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'];

/** RFC 7591 dynamic client registration and RFC 7592 management, over HTTP, on a real database. */
describe('dynamic client registration (RFC 7591, RFC 7592)', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startServer({ oauth: { registration: { allowed_scopes: ['orders:read'], allowed_grant_types: OPENED_GRANT_TYPES } } });
    admin = await adminToken(server);
  });
  afterAll(() => stopServer(server));

  async function initialAccessToken(body: Record<string, unknown> = {}): Promise<string> {
    const response = await fetch(`${server.url}/api/admin/v1/initial-access-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { initial_access_token: string }).initial_access_token;
  }

  async function call(method: string, path: string, options: { token?: string; body?: unknown; raw?: string } = {}) {
    const response = await fetch(`${server.url}/oauth2/register${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  }

  const register = async (body: unknown, token?: string) => call('POST', '', { token: token ?? (await initialAccessToken()), body });

  describe('registration (RFC 7591 §3)', () => {
    it('answers the seed 003 request with every field of its response', async () => {
      const { status, headers, body } = await register({ redirect_uris: ['https://client.example.org/callback'] });
      expect(status).toBe(201);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(body).toMatchObject({
        client_id: expect.any(String),
        client_id_issued_at: expect.any(Number),
        client_secret: expect.any(String),
        client_secret_expires_at: 0,
        registration_client_uri: `${server.url}/oauth2/register/${body!.client_id}`,
        registration_access_token: expect.any(String),
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: ['https://client.example.org/callback'],
        token_endpoint_auth_method: 'client_secret_basic',
        application_type: 'web',
        subject_type: 'public',
        id_token_signed_response_alg: 'RS256',
        require_auth_time: false,
      });
      for (const adminOnly of ['audience', 'access_token_format', 'introspect_any']) expect(body).not.toHaveProperty(adminOnly);
    });

    it('registers with oauth4webapi, then gets a client_credentials token with the returned credentials', async () => {
      const as = await oauth.processDiscoveryResponse(new URL(server.url), await oauth.discoveryRequest(new URL(server.url), { [oauth.allowInsecureRequests]: true }));
      expect(as.registration_endpoint).toBe(`${server.url}/oauth2/register`);
      const response = await oauth.dynamicClientRegistrationRequest(as, { grant_types: ['client_credentials'], scope: 'orders:read', client_name: 'o4w' }, {
        initialAccessToken: await initialAccessToken(),
        [oauth.allowInsecureRequests]: true,
      });
      const client = await oauth.processDynamicClientRegistrationResponse(response);
      const issued = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret as string) });
      expect(issued.status).toBe(200);
      expect(issued.body.scope).toBe('orders:read');
    });

    it('registers with openid-client, then gets a token', async () => {
      const config = await openid.dynamicClientRegistration(
        new URL(server.url),
        { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' },
        undefined,
        { initialAccessToken: await initialAccessToken(), execute: [openid.allowInsecureRequests] },
      );
      expect((await openid.clientCredentialsGrant(config)).access_token).toEqual(expect.any(String));
    });

    it('registers the seed 003 client_secret_jwt client (HS256), which then authenticates with client_secret_jwt', async () => {
      const { status, body } = await register({
        redirect_uris: ['https://client.example.org/callback'],
        grant_types: ['authorization_code', 'client_credentials'],
        token_endpoint_auth_method: 'client_secret_jwt',
        token_endpoint_auth_signing_alg: 'HS256',
      });
      expect(status).toBe(201);
      expect(body).toMatchObject({ token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'HS256' });
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({ iss: body!.client_id, sub: body!.client_id, aud: `${server.url}/oauth2/token`, jti: randomUUID(), iat: now, exp: now + 60 })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(body!.client_secret));
      const issued = await tokenRequest(server, {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });
      expect(issued.status).toBe(200);
    });

    it('stores and returns display metadata with language-tagged variants (RFC 7591 §2.2)', async () => {
      const { status, body } = await register({
        redirect_uris: ['https://client.example.org/callback'],
        client_name: 'Example',
        'client_name#ja-Jpan-JP': 'クライアント名',
        logo_uri: 'https://client.example.org/logo.png',
        policy_uri: 'https://client.example.org/policy',
        tos_uri: 'https://client.example.org/tos',
        client_uri: 'https://client.example.org/',
        contacts: ['ops@client.example.org'],
      });
      expect(status).toBe(201);
      const read = await call('GET', `/${body!.client_id}`, { token: body!.registration_access_token });
      expect(read.body).toMatchObject({
        client_name: 'Example',
        'client_name#ja-Jpan-JP': 'クライアント名',
        logo_uri: 'https://client.example.org/logo.png',
        policy_uri: 'https://client.example.org/policy',
        tos_uri: 'https://client.example.org/tos',
        client_uri: 'https://client.example.org/',
        contacts: ['ops@client.example.org'],
      });
    });

    it('keeps loopback (any port, IPv6) and reverse-DNS native redirect URIs valid', async () => {
      const redirect_uris = ['http://127.0.0.1/cb', 'http://127.0.0.1:51234/cb', 'http://[::1]:8080/cb', 'com.example.app:/cb', 'com.example.app:/oauth2redirect?x=1', 'https://c.example/cb'];
      const { status, body } = await register({ application_type: 'native', token_endpoint_auth_method: 'none', redirect_uris });
      expect(status).toBe(201);
      expect(body!.redirect_uris).toEqual(redirect_uris);
    });

    it('accepts a public jwks and refuses one of 21 keys', async () => {
      const { publicJwk } = await keyPair('ES256');
      const base = { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt' };
      expect((await register({ ...base, jwks: { keys: [publicJwk] } })).status).toBe(201);
      const many = await register({ ...base, jwks: { keys: Array.from({ length: 21 }, (_, i) => ({ ...publicJwk, kid: `k${i}` })) } });
      expect(many.body).toEqual({ error: 'invalid_client_metadata', error_description: 'jwks holds more than 20 keys' });
    });

    it('ignores a language tag longer than 35 characters as unknown metadata', async () => {
      const { status, body } = await register({ grant_types: ['client_credentials'], [`client_name#${'a'.repeat(8)}${'-abcdefgh'.repeat(4)}`]: 'x' });
      expect(status).toBe(201);
      expect(Object.keys(body!).filter((key) => key.startsWith('client_name#'))).toEqual([]);
    });

    it('answers a client_id path with a NUL like an unknown client: 401', async () => {
      const { status, body } = await call('GET', '/a%00b', { token: 'whatever' });
      expect(status).toBe(401);
      expect(body!.error).toBe('invalid_token');
    });

    it.each([
      ['http://keys.example/jwks', 'jwks_uri must be an https URL'],
      ['https://127.0.0.1/jwks', 'jwks_uri must not point to a loopback, private or link-local address'],
      ['https://[::1]/jwks', 'jwks_uri must not point to a loopback, private or link-local address'],
      ['https://169.254.169.254/jwks', 'jwks_uri must not point to a loopback, private or link-local address'],
      ['https://10.1.2.3/jwks', 'jwks_uri must not point to a loopback, private or link-local address'],
    ])('refuses jwks_uri %s under the outbound rules', async (jwks_uri, description) => {
      const { status, body } = await register({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri });
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_client_metadata', error_description: description });
    });

    it('does not echo why a sector_identifier_uri could not be fetched', async () => {
      const { status, body } = await register({ redirect_uris: ['https://c.example/cb'], subject_type: 'pairwise', sector_identifier_uri: 'https://10.0.0.1/sector' });
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_client_metadata', error_description: 'sector_identifier_uri could not be fetched' });
    });

    it('ignores unknown metadata: neither stored nor returned (RFC 7591 §2)', async () => {
      const token = await initialAccessToken();
      const { status, body } = await register({ grant_types: ['client_credentials'], frontchannel_logout_uri: 'https://c.example/logout', backchannel_logout_uri: 'https://c.example/bc', org_name: 'Org' }, token);
      expect(status).toBe(201);
      for (const field of ['frontchannel_logout_uri', 'backchannel_logout_uri', 'org_name']) expect(body).not.toHaveProperty(field);
      const read = await call('GET', `/${encodeURIComponent(body!.client_id)}`, { token: body!.registration_access_token });
      expect(read.status).toBe(200);
      expect(read.body).not.toHaveProperty('org_name');
    });

    it('ignores a caller-chosen client_id and client_secret', async () => {
      const { status, body } = await register({ grant_types: ['client_credentials'], client_id: 'chosen', client_secret: 'chosen-secret' });
      expect(status).toBe(201);
      expect(body!.client_id).not.toBe('chosen');
      expect(body!.client_secret).not.toBe('chosen-secret');
    });
  });

  describe('initial access tokens', () => {
    it('answers no token with 401 and a Bearer challenge (RFC 6750 §3.1)', async () => {
      const { status, headers } = await call('POST', '', { body: { grant_types: ['client_credentials'] } });
      expect(status).toBe(401);
      expect(headers.get('www-authenticate')).toMatch(/^Bearer /);
    });

    it('answers a wrong token with 401 invalid_token and a Bearer challenge', async () => {
      const { status, headers, body } = await register({ grant_types: ['client_credentials'] }, 'not-a-token');
      expect(status).toBe(401);
      expect(body!.error).toBe('invalid_token');
      expect(headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    });

    it('answers an expired token with 401 invalid_token, before it reads the metadata', async () => {
      const token = await initialAccessToken({ expires_in: 1 });
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const expired = { status: 401, body: { error: 'invalid_token', error_description: 'the initial access token is invalid, expired or used up' } };
      const { status, body } = await register({ grant_types: ['client_credentials'] }, token);
      expect({ status, body }).toEqual(expired);
      // The token is checked first (RFC 7591 §3): metadata that would be refused does not turn the 401 into a 400.
      const invalid = await register({ redirect_uris: ['javascript:alert(1)'], grant_types: ['password'] }, token);
      expect({ status: invalid.status, body: invalid.body }).toEqual(expired);
    });

    it('answers a used-up token with 401 invalid_token, and a refused registration uses nothing up', async () => {
      const token = await initialAccessToken({ max_uses: 1 });
      const refused = await register({ grant_types: ['client_credentials'], scope: 'admin' }, token);
      expect(refused.status).toBe(400);
      expect(await server.app.get(InitialAccessTokens).usesOf(token)).toBe(0);
      expect((await register({ grant_types: ['client_credentials'] }, token)).status).toBe(201);
      expect(await server.app.get(InitialAccessTokens).usesOf(token)).toBe(1);
      const again = await register({ grant_types: ['client_credentials'] }, token);
      expect(again.status).toBe(401);
      expect(again.body!.error).toBe('invalid_token');
    });

    it('gives twelve concurrent registrations on a max_uses=1 token exactly one client', async () => {
      const token = await initialAccessToken({ max_uses: 1 });
      const results = await Promise.all(Array.from({ length: 12 }, () => register({ grant_types: ['client_credentials'] }, token)));
      expect(results.map((result) => result.status).sort()).toEqual([201, ...Array(11).fill(401)]);
      expect(await server.app.get(InitialAccessTokens).usesOf(token)).toBe(1);
    });

    it('lists, shows and revokes initial access tokens by id, never showing a token again', async () => {
      const admin_ = (method: string, path = '') => fetch(`${server.url}/api/admin/v1/initial-access-tokens${path}`, { method, headers: { authorization: `Bearer ${admin}` } });
      const created = await fetch(`${server.url}/api/admin/v1/initial-access-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ max_uses: 3 }),
      });
      const issued = (await created.json()) as { id: string; initial_access_token: string; expires_at: number };
      expect(issued.id).toMatch(/^[0-9a-f-]{36}$/);
      expect((await register({ grant_types: ['client_credentials'] }, issued.initial_access_token)).status).toBe(201);
      const shown = await admin_('GET', `/${issued.id}`);
      expect(shown.status).toBe(200);
      expect(await shown.json()).toEqual({ id: issued.id, created_at: expect.any(Number), expires_at: issued.expires_at, max_uses: 3, uses: 1 });
      const list = (await (await admin_('GET', '?limit=200')).json()) as { items: Record<string, unknown>[]; total: number };
      expect(list.total).toBeGreaterThanOrEqual(1);
      expect(list.items.find((item) => item.id === issued.id)).toEqual({ id: issued.id, created_at: expect.any(Number), expires_at: issued.expires_at, max_uses: 3, uses: 1 });
      expect(JSON.stringify(list)).not.toContain(issued.initial_access_token);
      expect((await admin_('DELETE', `/${issued.id}`)).status).toBe(204);
      const refused = await register({ grant_types: ['client_credentials'] }, issued.initial_access_token);
      expect(refused.status).toBe(401);
      expect(refused.body!.error).toBe('invalid_token');
      expect((await admin_('DELETE', `/${issued.id}`)).status).toBe(404);
      expect((await admin_('GET', '/a%00b')).status).toBe(404);
    });

    it('lives 24 hours without expires_in', async () => {
      const response = await fetch(`${server.url}/api/admin/v1/initial-access-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const body = (await response.json()) as { expires_at: number };
      expect(Math.abs(body.expires_at - (Math.floor(Date.now() / 1000) + 86400))).toBeLessThanOrEqual(5);
    });
  });

  describe('refused metadata (RFC 7591 §3.2.2)', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['a javascript: redirect URI', { redirect_uris: ['JaVaScRiPt:alert(1)'] }, 'invalid_redirect_uri'],
      ['a data: redirect URI', { redirect_uris: ['DATA:text/html,x'] }, 'invalid_redirect_uri'],
      ['a vbscript: redirect URI', { redirect_uris: ['VBScript:msgbox'] }, 'invalid_redirect_uri'],
      ['a redirect URI with a fragment', { redirect_uris: ['https://client.example.org/cb#x'] }, 'invalid_redirect_uri'],
      ['a custom scheme for a web client', { redirect_uris: ['com.example.app:/cb'] }, 'invalid_redirect_uri'],
      ['http outside loopback', { redirect_uris: ['http://client.example.org/cb'] }, 'invalid_redirect_uri'],
      ['response_types without their grant type', { grant_types: ['client_credentials'], response_types: ['code'], redirect_uris: ['https://client.example.org/cb'] }, 'invalid_client_metadata'],
      ['an authentication method that is not enabled', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'tls_client_auth' }, 'invalid_client_metadata'],
      ['jwks and jwks_uri together', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://client.example.org/jwks', jwks: { keys: [{ kty: 'EC' }] } }, 'invalid_client_metadata'],
      ['an unknown signing alg', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'none' }, 'invalid_client_metadata'],
      ['the admin scope', { grant_types: ['client_credentials'], scope: 'admin' }, 'invalid_client_metadata'],
      ['an unlisted scope', { grant_types: ['client_credentials'], scope: 'orders:write' }, 'invalid_client_metadata'],
      ['an audience', { grant_types: ['client_credentials'], audience: ['https://api.example'] }, 'invalid_client_metadata'],
      ['an access_token_format', { grant_types: ['client_credentials'], access_token_format: 'opaque' }, 'invalid_client_metadata'],
      ['introspect_any', { grant_types: ['client_credentials'], introspect_any: true }, 'invalid_client_metadata'],
      ['a redirect URI with CRLF', { redirect_uris: ['https://c.example/cb\r\nSet-Cookie: a=b'] }, 'invalid_redirect_uri'],
      ['a redirect URI with U+2028', { redirect_uris: ['https://c.example/cb\u2028'] }, 'invalid_redirect_uri'],
      ['a redirect URI with Cyrillic letters', { redirect_uris: ['https://\u0435\u0445\u0430mple.com/cb'] }, 'invalid_redirect_uri'],
      ['a redirect URI with a trailing space', { redirect_uris: ['https://c.example/cb '] }, 'invalid_redirect_uri'],
      ['a redirect URI with a backslash', { redirect_uris: ['https://evil.example\\@c.example/cb'] }, 'invalid_redirect_uri'],
      ['a redirect URI not in canonical form', { redirect_uris: ['https://C.example:443/cb'] }, 'invalid_redirect_uri'],
      ['a post-logout URI with CRLF', { redirect_uris: ['https://c.example/cb'], post_logout_redirect_uris: ['https://c.example/x\r\nA: b'] }, 'invalid_client_metadata'],
      ['a logo_uri with a space', { grant_types: ['client_credentials'], logo_uri: 'https://c.example/a b.png' }, 'invalid_client_metadata'],
      ['a native ws: redirect URI (RFC 8252 §7.1)', { application_type: 'native', redirect_uris: ['ws://c.example/cb'] }, 'invalid_redirect_uri'],
      ['a native ftp: redirect URI', { application_type: 'native', redirect_uris: ['ftp://c.example/cb'] }, 'invalid_redirect_uri'],
      ['a native view-source: redirect URI', { application_type: 'native', redirect_uris: ['view-source:https://c.example/cb'] }, 'invalid_redirect_uri'],
      ['a NUL in client_name', { grant_types: ['client_credentials'], client_name: 'a\u0000b' }, 'invalid_client_metadata'],
      ['a control character in contacts', { grant_types: ['client_credentials'], contacts: ['a@b.example\u0007'] }, 'invalid_client_metadata'],
      ['a URI longer than 2048 characters', { grant_types: ['client_credentials'], client_uri: `https://c.example/${'a'.repeat(2048)}` }, 'invalid_client_metadata'],
      ['101 redirect URIs', { redirect_uris: Array.from({ length: 101 }, (_, i) => `https://c.example/cb${i}`) }, 'invalid_client_metadata'],
      ['21 contacts', { grant_types: ['client_credentials'], contacts: Array.from({ length: 21 }, (_, i) => `c${i}@c.example`) }, 'invalid_client_metadata'],
      ['an RSA key with private members (p, q)', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB', p: 'AQAB', q: 'AQAB' }] } }, 'invalid_client_metadata'],
      ['a symmetric (oct) key', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'oct', k: 'AQAB' }] } }, 'invalid_client_metadata'],
      ['an EC key that does not import', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AQAB', y: 'AQAB' }] } }, 'invalid_client_metadata'],
      ['an unsigned software statement', { grant_types: ['client_credentials'], software_statement: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"iss":"x"}').toString('base64url')}.` }, 'invalid_software_statement'],
    ];
    it.each(cases)('refuses %s', async (_name, metadata, code) => {
      const { status, body } = await register(metadata);
      expect(status).toBe(400);
      expect(body!.error).toBe(code);
      expect(typeof body!.error_description).toBe('string');
    });

    it('answers malformed JSON with invalid_client_metadata', async () => {
      const { status, body } = await call('POST', '', { token: await initialAccessToken(), raw: '{"redirect_uris":' });
      expect(status).toBe(400);
      expect(body!.error).toBe('invalid_client_metadata');
    });

    it('refuses a __proto__ key in the body with invalid_client_metadata', async () => {
      const raw = '{"grant_types":["client_credentials"],"__proto__":{"introspect_any":true}}';
      const { status, body } = await call('POST', '', { token: await initialAccessToken(), raw });
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_client_metadata', error_description: 'the metadata must not contain the key __proto__' });
    });

    it('refuses a constructor key nested in jwks with invalid_client_metadata', async () => {
      const raw = '{"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[{"kty":"EC","constructor":{"prototype":{}}}]}}';
      const { status, body } = await call('POST', '', { token: await initialAccessToken(), raw });
      expect(status).toBe(400);
      expect(body!.error).toBe('invalid_client_metadata');
    });

    it('refuses deeply nested JSON with invalid_client_metadata, not a 500', async () => {
      const raw = `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[{"kty":"EC","x5c":${'['.repeat(20000)}${']'.repeat(20000)}}]}}`;
      const { status, body } = await call('POST', '', { token: await initialAccessToken(), raw });
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_client_metadata', error_description: 'the metadata is nested deeper than 32 levels' });
    });

    it('checks the body of an encoded registration path too (/oauth2/%72egister)', async () => {
      const response = await fetch(`${server.url}/oauth2/%72egister`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await initialAccessToken()}`, 'content-type': 'text/plain' },
        body: 'hello',
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'invalid_client_metadata', error_description: 'the request body must be a JSON document (Content-Type: application/json)' });
    });

    it('answers a 2 MB metadata document fast with a 4xx', async () => {
      const started = Date.now();
      const { status } = await call('POST', '', { token: await initialAccessToken(), body: { client_name: 'x'.repeat(2 * 1024 * 1024) } });
      expect(status).toBe(413);
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });

  describe('management (RFC 7592)', () => {
    it('reads, updates (rotating the registration access token) and deletes a registration', async () => {
      const created = (await register({ grant_types: ['client_credentials'], client_name: 'first' })).body!;
      const path = `/${created.client_id}`;
      const read = await call('GET', path, { token: created.registration_access_token });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ client_id: created.client_id, client_name: 'first', registration_client_uri: created.registration_client_uri });
      expect(read.body).not.toHaveProperty('client_secret');

      const updated = await call('PUT', path, { token: created.registration_access_token, body: { client_id: created.client_id, client_secret: created.client_secret, grant_types: ['client_credentials'], client_name: 'second' } });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ client_id: created.client_id, client_name: 'second' });
      expect(updated.body!.registration_access_token).not.toBe(created.registration_access_token);
      expect(updated.body).not.toHaveProperty('client_secret'); // kept: the one sent still works
      expect((await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(created.client_id, created.client_secret) })).status).toBe(200);

      // The old registration access token stopped working with the update.
      expect((await call('GET', path, { token: created.registration_access_token })).status).toBe(401);
      expect((await call('GET', path, { token: updated.body!.registration_access_token })).body!.client_name).toBe('second');

      const deleted = await call('DELETE', path, { token: updated.body!.registration_access_token });
      expect(deleted.status).toBe(204);
      expect((await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(created.client_id, created.client_secret) })).status).toBe(401);
      expect((await call('GET', path, { token: updated.body!.registration_access_token })).status).toBe(401);
    });

    it('makes a deleted client\'s JWT access token introspect inactive (RFC 7592 §2.3), by RFC 7592 and by the admin API', async () => {
      const gateway = await createClient(server, { client_name: 'gateway', grant_types: ['client_credentials'], introspect_any: true });
      const introspect = async (token: string) => {
        const response = await fetch(`${server.url}/oauth2/introspect`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(gateway.client_id, gateway.client_secret!) },
          body: new URLSearchParams({ token }),
        });
        return ((await response.json()) as { active: boolean }).active;
      };
      for (const via of ['rfc7592', 'admin'] as const) {
        const { body } = await register({ grant_types: ['client_credentials'] });
        const issued = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(body!.client_id, body!.client_secret) });
        const accessToken = issued.body.access_token as string;
        expect(await introspect(accessToken)).toBe(true);
        if (via === 'rfc7592') expect((await call('DELETE', `/${encodeURIComponent(body!.client_id)}`, { token: body!.registration_access_token })).status).toBe(204);
        else expect((await fetch(`${server.url}/api/admin/v1/clients/${encodeURIComponent(body!.client_id)}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } })).status).toBe(204);
        expect(await introspect(accessToken)).toBe(false);
      }
    });

    it('treats omitted fields of a PUT as removed (RFC 7592 §2.2)', async () => {
      const created = (await register({ grant_types: ['client_credentials'], client_name: 'named', contacts: ['a@client.example.org'] })).body!;
      const updated = await call('PUT', `/${created.client_id}`, { token: created.registration_access_token, body: { client_id: created.client_id, grant_types: ['client_credentials'] } });
      expect(updated.status).toBe(200);
      expect(updated.body).not.toHaveProperty('client_name');
      expect(updated.body!.contacts).toEqual([]);
    });

    it('issues a new secret only when asked ("client_secret": null)', async () => {
      const created = (await register({ grant_types: ['client_credentials'] })).body!;
      const updated = await call('PUT', `/${created.client_id}`, { token: created.registration_access_token, body: { client_id: created.client_id, client_secret: null, grant_types: ['client_credentials'] } });
      expect(updated.body!.client_secret).toEqual(expect.any(String));
      expect(updated.body!.client_secret).not.toBe(created.client_secret);
      expect((await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(created.client_id, created.client_secret) })).status).toBe(401);
      expect((await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(created.client_id, updated.body!.client_secret) })).status).toBe(200);
    });

    it('refuses a PUT that changes client_id or sends a wrong client_secret', async () => {
      const created = (await register({ grant_types: ['client_credentials'] })).body!;
      const path = `/${created.client_id}`;
      const moved = await call('PUT', path, { token: created.registration_access_token, body: { client_id: 'other', grant_types: ['client_credentials'] } });
      expect(moved.status).toBe(400);
      expect(moved.body!.error).toBe('invalid_client_metadata');
      const wrong = await call('PUT', path, { token: created.registration_access_token, body: { client_id: created.client_id, client_secret: 'wrong', grant_types: ['client_credentials'] } });
      expect(wrong.status).toBe(400);
      // Neither refusal rotated the token.
      expect((await call('GET', path, { token: created.registration_access_token })).status).toBe(200);
    });

    it('never lets one client\'s registration access token manage another client', async () => {
      const x = (await register({ grant_types: ['client_credentials'] })).body!;
      const y = (await register({ grant_types: ['client_credentials'] })).body!;
      const unknown = await call('GET', '/no-such-client', { token: x.registration_access_token });
      const other = await call('GET', `/${y.client_id}`, { token: x.registration_access_token });
      expect(other.status).toBe(401);
      expect(other.body).toEqual(unknown.body);
      expect((await call('DELETE', `/${y.client_id}`, { token: x.registration_access_token })).status).toBe(401);
      expect((await call('PUT', `/${y.client_id}`, { token: x.registration_access_token, body: { client_id: y.client_id } })).status).toBe(401);
    });

    it('gives clients of the admin API no registration access token', async () => {
      const client = await createClient(server, { grant_types: ['client_credentials'] });
      expect((await call('GET', `/${client.client_id}`, { token: 'anything' })).status).toBe(401);
      expect((await call('GET', `/${client.client_id}`, { token: admin })).status).toBe(401);
    });

    it('keeps what the operator set through the admin API across a PUT', async () => {
      const created = (await register({ grant_types: ['client_credentials'], scope: 'openid' })).body!;
      const patched = await fetch(`${server.url}/api/admin/v1/clients/${created.client_id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ audience: ['https://api.example'], access_token_format: 'opaque', scope: 'openid reports:read' }),
      });
      expect(patched.status).toBe(200);
      const read = (await call('GET', `/${created.client_id}`, { token: created.registration_access_token })).body!;
      const updated = await call('PUT', `/${created.client_id}`, { token: created.registration_access_token, body: { client_id: created.client_id, grant_types: ['client_credentials'], scope: read.scope } });
      expect(updated.status).toBe(200);
      const stored = await (await fetch(`${server.url}/api/admin/v1/clients/${created.client_id}`, { headers: { authorization: `Bearer ${admin}` } })).json();
      expect(stored).toMatchObject({ audience: ['https://api.example'], access_token_format: 'opaque', scope: 'openid reports:read' });
    });

    it('lets exactly one of twelve racing updates with the same token win', async () => {
      const created = (await register({ grant_types: ['client_credentials'] })).body!;
      const put = () => call('PUT', `/${created.client_id}`, { token: created.registration_access_token, body: { client_id: created.client_id, grant_types: ['client_credentials'] } });
      const results = await Promise.all(Array.from({ length: 12 }, put));
      expect(results.map((result) => result.status).sort()).toEqual([200, ...Array(11).fill(401)]);
    });
  });
});

describe('software statements (RFC 7591 §2.3)', () => {
  let server: TestServer;
  let issuerKeys: Awaited<ReturnType<typeof jwksServer>>;
  let trusted: SigningKeyPair;

  beforeAll(async () => {
    trusted = await keyPair('ES256');
    issuerKeys = await jwksServer([trusted.publicJwk]);
    // The issuer's JWKS is on loopback here: the outbound rules are relaxed for the test only.
    server = await startServer({ oauth: { registration: { open: true, software_statement_issuers: [issuerKeys.url], allowed_grant_types: OPENED_GRANT_TYPES }, outbound: { allow_http: true, allow_private_networks: true } } });
  });
  afterAll(async () => {
    await issuerKeys?.close();
    await stopServer(server);
  });

  // The JWKS URI's origin is the one iss its keys sign for.
  const publisher = () => new URL(issuerKeys.url).origin;

  const register = async (body: Record<string, unknown>) => {
    const response = await fetch(`${server.url}/oauth2/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  it('takes the claims of a trusted statement over the request\'s and returns the statement unmodified', async () => {
    const statement = await signAssertion(trusted, { iss: publisher(), software_id: 'app-1', client_name: 'From the statement', jti: undefined });
    const { status, body } = await register({ grant_types: ['client_credentials'], client_name: 'From the request', software_statement: statement });
    expect(status).toBe(201);
    expect(body).toMatchObject({ client_name: 'From the statement', software_id: 'app-1', software_statement: statement });
  });

  it('refuses a statement signed by a key it does not trust with unapproved_software_statement', async () => {
    const stranger = await keyPair('ES256');
    const statement = await signAssertion(stranger, { iss: publisher(), software_id: 'app-1' });
    const { status, body } = await register({ grant_types: ['client_credentials'], software_statement: statement });
    expect(status).toBe(400);
    expect(body.error).toBe('unapproved_software_statement');
  });

  it('refuses an expired statement with invalid_software_statement', async () => {
    const now = Math.floor(Date.now() / 1000);
    const statement = await signAssertion(trusted, { iss: publisher(), iat: now - 7200, exp: now - 3600 });
    const { status, body } = await register({ grant_types: ['client_credentials'], software_statement: statement });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_software_statement');
  });

  it('refuses a statement claim named __proto__ (it must not reach the parser as a prototype)', async () => {
    const claims = JSON.parse(`{"iss":${JSON.stringify(publisher())},"__proto__":{"introspect_any":true,"audience":["https://api.example"],"access_token_format":"opaque"}}`) as Record<string, unknown>;
    const statement = await signAssertion(trusted, claims);
    expect(Buffer.from(statement.split('.')[1], 'base64url').toString()).toContain('"__proto__"');
    const { status, body } = await register({ grant_types: ['client_credentials'], software_statement: statement });
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_client_metadata', error_description: 'the metadata must not contain the key __proto__' });
  });

  it('refuses a statement whose iss is not the one its verifying key is bound to, with unapproved_software_statement', async () => {
    const statement = await signAssertion(trusted, { iss: 'https://other-publisher.example', software_id: 'app-1' });
    const { status, body } = await register({ grant_types: ['client_credentials'], software_statement: statement });
    expect(status).toBe(400);
    expect(body.error).toBe('unapproved_software_statement');
  });

  it('refuses a trusted statement whose header carries a key (x5c): its keys come from software_statement_issuers only', async () => {
    const { certPem } = selfSignedCertificate(server.db.dir, 'header-certificate');
    const x5c = [new X509Certificate(certPem).raw.toString('base64')];
    const statement = await signAssertion(trusted, { iss: publisher(), software_id: 'app-1' }, { x5c });
    const { status, body } = await register({ grant_types: ['client_credentials'], software_statement: statement });
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_software_statement', error_description: 'software statement header carries a key (x5c); keys come from registration only' });
  });

  it('refuses admin-only fields in a statement too', async () => {
    const statement = await signAssertion(trusted, { iss: publisher(), audience: ['https://api.example'] });
    const { status, body } = await register({ grant_types: ['client_credentials'], software_statement: statement });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_client_metadata');
  });
});

describe('software statements signed by a truststore certificate', () => {
  it('trusts a statement that the certificate of a listed alias verifies', async () => {
    const server = await startServer({ oauth: { registration: { open: true, software_statement_issuers: ['software-publisher'], allowed_grant_types: OPENED_GRANT_TYPES } } });
    try {
      const { certPem, keyPem } = selfSignedCertificate(server.db.dir, 'software-publisher');
      await server.app.get(TruststoreService).import('software-publisher', certPem);
      const statement = await signAssertion({ privateKey: createPrivateKey(keyPem), alg: 'RS256' } as never, { iss: 'software-publisher', software_id: 'app-2' });
      const response = await fetch(`${server.url}/oauth2/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: ['client_credentials'], software_statement: statement }),
      });
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ software_id: 'app-2', software_statement: statement });
    } finally {
      await stopServer(server);
    }
  });
});

describe('open registration ([oauth.registration] open = true)', () => {
  it('registers without an initial access token', async () => {
    const server = await startServer({ oauth: { registration: { open: true } } });
    try {
      const response = await fetch(`${server.url}/oauth2/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['https://c.example/cb'] }) });
      expect(response.status).toBe(201);
    } finally {
      await stopServer(server);
    }
  });
});
