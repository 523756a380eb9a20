import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { ClientView } from '../src/clients/clients.service';
import { errorDescriptionText } from '../src/common/oauth-error';
import { jwksServer, keyPair, signAssertion, SigningKeyPair } from './support/assertions';
import { TestBrowser } from './support/browser';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const REDIRECT = 'https://rp.example/cb';
/** A value with a NUL, and a plain value nobody registered: each identifier must get the same answer for both. */
const NUL = 'a\u0000b';
const UNKNOWN = 'unknown-7f3a';
const CLIENT_AUTH_FAILED = { error: 'invalid_client', error_description: 'client authentication failed' };
const INTERACTION_GONE = 'This sign-in has expired or was already finished.';

interface Answer {
  status: number;
  body: unknown;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('json');
  return { status: response.status, body: json && text ? JSON.parse(text) : text };
}

/**
 * PostgreSQL refuses a NUL in text: a query carrying one fails, which was a 500 where SQLite and
 * MariaDB answer "not found". Every identifier an attacker can send — in a path, a form, a cookie
 * route, an assertion — is checked before it reaches a query, and the answer is exactly the one
 * an unknown value gets. Run with DATABASE_URL=postgres://... to see the difference.
 */
describe('identifiers with NUL bytes', () => {
  let server: TestServer;
  let admin: string;
  let client: ClientView;
  let publicClient: ClientView;
  let pkjwt: ClientView;
  let clientKey: SigningKeyPair;
  let idp: SigningKeyPair;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let userId: string;

  beforeAll(async () => {
    server = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 }, oauth: { grant_type: { password: { enable: true } } } });
    admin = await adminToken(server);
    idp = await keyPair('ES256');
    clientKey = await keyPair('ES256');
    jwks = await jwksServer([idp.publicJwk]);
    for (const [name, mapped] of [['corp', true], ['plain', false]] as const) {
      const created = await adminApi('POST', '/identity-providers', { name, issuer: `https://${name}.example`, jwks_uri: jwks.url, allow_insecure_jwks_uri: true, map_subject_to_user: mapped });
      expect(created.status).toBe(201);
    }
    const user = await adminApi('POST', '/users', { username: 'alice', password: 'correct horse battery' });
    userId = (user.body as { id: string }).id;
    client = await createClient(server, { grant_types: ['authorization_code', 'refresh_token', 'password', JWT_BEARER], redirect_uris: [REDIRECT], scope: 'openid read' });
    publicClient = await createClient(server, { grant_types: ['authorization_code'], token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT] });
    pkjwt = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [clientKey.publicJwk] } });
  });
  afterAll(async () => {
    await jwks?.close();
    await stopServer(server);
  });

  async function adminApi(method: string, path: string, body?: unknown): Promise<Answer> {
    return answer(await fetch(`${server.url}/api/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }));
  }
  const form = async (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
    answer(await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params) }));
  const token = async (params: Record<string, string>, headers: Record<string, string> = { authorization: basic(client.client_id, client.client_secret!) }) => {
    const { status, body } = await tokenRequest(server, params, headers);
    return { status, body };
  };
  const tokenEndpoint = () => `${server.url}/oauth2/token`;

  /**
   * The answer for the value with a NUL is the answer for an unknown value, and not a server error
   * (an answer that echoes the value, like "no client with client_id ...", echoes either one — in
   * an error_description, as RFC 6749 §5.2 lets it: the NUL as `?`).
   */
  async function sameAsUnknown(ask: (value: string) => Promise<Answer>): Promise<Answer> {
    const echoing = (value: string, given: Answer): Answer =>
      JSON.parse(JSON.stringify(given).split(JSON.stringify(value).slice(1, -1)).join('<value>').split(errorDescriptionText(value)).join('<value>'));
    const withNul = await ask(NUL);
    expect(withNul.status).toBeLessThan(500);
    expect(echoing(NUL, withNul)).toEqual(echoing(UNKNOWN, await ask(UNKNOWN)));
    return withNul;
  }

  describe('pages', () => {
    const cookie = { cookie: `grantry_interaction=${'x'.repeat(43)}` };
    const page = async (path: string, init: RequestInit = {}) => {
      const { status, body } = await answer(await fetch(`${server.url}${path}`, { redirect: 'manual', ...init, headers: { ...cookie, ...(init.headers ?? {}) } }));
      return { status, body: String(body).includes(INTERACTION_GONE) ? INTERACTION_GONE : body };
    };

    it('answers an interaction id with a NUL, with an interaction cookie, like an unknown interaction', async () => {
      expect(await sameAsUnknown((id) => page(`/oauth2/interaction/${encodeURIComponent(id)}`))).toEqual({ status: 400, body: INTERACTION_GONE });
      for (const action of ['login', 'select', 'consent']) {
        const post = (id: string) =>
          page(`/oauth2/interaction/${encodeURIComponent(id)}/${action}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ csrf: 'x', username: 'alice', password: 'correct horse battery', decision: 'approve' }),
          });
        expect(await sameAsUnknown(post)).toEqual({ status: 400, body: INTERACTION_GONE });
      }
    });

    it('answers a username with a NUL on the login page like an unknown one', async () => {
      const signIn = async (username: string) => {
        const browser = new TestBrowser(server.url);
        const params = { client_id: client.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
        const login = await browser.follow(`/oauth2/authorize?${new URLSearchParams(params)}`);
        const refused = await browser.submit(login, { username, password: 'correct horse battery' });
        // The page itself differs per interaction (its id, its CSRF token): its error message must not.
        return { status: refused.status, body: /<p[^>]*role="alert"[^>]*>([^<]*)</.exec(refused.html)?.[1] ?? refused.html };
      };
      expect(await sameAsUnknown(signIn)).toEqual({ status: 200, body: 'The username or password is wrong, or the account cannot sign in now.' });
    });

    it('never lets a NUL in a cookie or a bearer token reach grantry: the HTTP parser refuses the request (400)', async () => {
      const raw = (path: string, header: string) =>
        new Promise<string>((resolve, reject) => {
          const { hostname, port } = new URL(server.url);
          const socket = connect(Number(port), hostname, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n${header}\r\nConnection: close\r\n\r\n`));
          let received = '';
          socket.on('data', (chunk) => (received += chunk));
          socket.on('end', () => resolve(received.split('\r\n')[0]));
          socket.on('error', reject);
        });
      expect(await raw('/oauth2/authorize', `Cookie: grantry_session=${NUL}`)).toBe('HTTP/1.1 400 Bad Request');
      expect(await raw('/oauth2/interaction/x', `Cookie: grantry_interaction=${NUL}`)).toBe('HTTP/1.1 400 Bad Request');
      expect(await raw(`/oauth2/register/${client.client_id}`, `Authorization: Bearer ${NUL}`)).toBe('HTTP/1.1 400 Bad Request');
      expect(await raw('/oauth2/userinfo', `Authorization: Bearer ${NUL}`)).toBe('HTTP/1.1 400 Bad Request');
    });

    it('answers a client_id with a NUL at the authorization and logout endpoints like an unknown client', async () => {
      const authorize = (clientId: string) => page(`/oauth2/authorize?${new URLSearchParams({ client_id: clientId, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid' })}`);
      expect((await sameAsUnknown(authorize)).status).toBe(400);
      const logout = (clientId: string) => page(`/oauth2/logout?${new URLSearchParams({ client_id: clientId })}`);
      expect((await sameAsUnknown(logout)).status).toBe(400);
    });

    it('refuses a nonce with a NUL at the authorization endpoint (it would be stored with the code)', async () => {
      const params = { client_id: client.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: 's', nonce: NUL, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
      const refused = await fetch(`${server.url}/oauth2/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
      expect(refused.status).toBeLessThan(400);
      const location = new URL(refused.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
      expect(Object.fromEntries(location.searchParams)).toEqual({ error: 'invalid_request', error_description: 'nonce must not contain NUL', state: 's', iss: server.url });
    });
  });

  describe('the token endpoint', () => {
    it('answers a client_id with a NUL like an unknown client in every authentication method', async () => {
      const basicAuth = (clientId: string) => token({ grant_type: 'client_credentials' }, { authorization: basic(clientId, 'secret') });
      expect(await sameAsUnknown(basicAuth)).toEqual({ status: 401, body: CLIENT_AUTH_FAILED });
      const post = (clientId: string) => token({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'secret' }, {});
      expect(await sameAsUnknown(post)).toEqual({ status: 401, body: CLIENT_AUTH_FAILED });
      const none = (clientId: string) => token({ grant_type: 'authorization_code', client_id: clientId, code: 'c', redirect_uri: REDIRECT, code_verifier: 'v'.repeat(43) }, {});
      expect(await sameAsUnknown(none)).toEqual({ status: 401, body: CLIENT_AUTH_FAILED });
      const jwt = async (clientId: string) =>
        token({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await signAssertion(clientKey, { iss: clientId, sub: clientId, aud: tokenEndpoint() }) }, {});
      expect(await sameAsUnknown(jwt)).toEqual({ status: 401, body: CLIENT_AUTH_FAILED });
    });

    it('refuses a client assertion whose jti has a NUL, once its signature verified, naming the jti', async () => {
      const refused = await token({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await signAssertion(clientKey, { iss: pkjwt.client_id, sub: pkjwt.client_id, aud: tokenEndpoint(), jti: NUL }),
      }, {});
      expect(refused).toEqual({ status: 401, body: { error: 'invalid_client', error_description: 'assertion jti must be a non-empty string of at most 255 characters without NUL' } });
    });

    it('answers a JWT bearer assertion whose iss or kid has a NUL like an unknown one', async () => {
      const issuer = async (iss: string) => token({ grant_type: JWT_BEARER, assertion: await signAssertion(idp, { iss, sub: 'emp-1', aud: tokenEndpoint() }) });
      expect(await sameAsUnknown(issuer)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'the assertion is not valid' } });
      const kid = async (value: string) => token({ grant_type: JWT_BEARER, assertion: await signAssertion({ ...idp, kid: value }, { iss: 'https://plain.example', sub: 'emp-1', aud: tokenEndpoint() }) });
      expect(await sameAsUnknown(kid)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'the assertion is not valid' } });
    });

    it('answers a mapped JWT bearer subject with a NUL like an unlinked one, and refuses a jti with a NUL', async () => {
      const subject = async (sub: string) => token({ grant_type: JWT_BEARER, assertion: await signAssertion(idp, { iss: 'https://corp.example', sub, aud: tokenEndpoint() }) });
      expect(await sameAsUnknown(subject)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'the assertion subject is not an enabled user of this server' } });
      const jti = await token({ grant_type: JWT_BEARER, assertion: await signAssertion(idp, { iss: 'https://plain.example', sub: 'emp-1', aud: tokenEndpoint(), jti: NUL }) });
      expect(jti).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'assertion jti must be a non-empty string of at most 255 characters without NUL' } });
    });

    it('answers a username, refresh token or code with a NUL like an unknown one', async () => {
      const password = (username: string) => token({ grant_type: 'password', username, password: 'correct horse battery' });
      expect(await sameAsUnknown(password)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'the username or password is wrong, or the account cannot sign in now' } });
      const refresh = (value: string) => token({ grant_type: 'refresh_token', refresh_token: value });
      expect((await sameAsUnknown(refresh)).body).toMatchObject({ error: 'invalid_grant' });
      const code = (value: string) => token({ grant_type: 'authorization_code', code: value, redirect_uri: REDIRECT, code_verifier: 'v'.repeat(43) });
      expect((await sameAsUnknown(code)).body).toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe('introspection, revocation, userinfo and registration', () => {
    const auth = () => ({ authorization: basic(client.client_id, client.client_secret!) });
    /** A JWT of this server's shape whose header names a kid with a NUL (or an unknown one). */
    const forged = async (kid: string) => signAssertion({ ...(await keyPair('ES256')), kid }, { iss: server.url, sub: 'x', aud: client.client_id, client_id: client.client_id, scope: 'openid' }, { typ: 'at+jwt' });

    it('answers tokens with a NUL as inactive, like unknown ones', async () => {
      for (const hint of ['access_token', 'refresh_token']) {
        expect(await sameAsUnknown((value) => form('/oauth2/introspect', { token: value, token_type_hint: hint }, auth()))).toEqual({ status: 200, body: { active: false } });
      }
      expect(await sameAsUnknown(async (kid) => form('/oauth2/introspect', { token: await forged(kid) }, auth()))).toEqual({ status: 200, body: { active: false } });
      expect(await sameAsUnknown((clientId) => form('/oauth2/introspect', { token: 'x' }, { authorization: basic(clientId, 'secret') }))).toEqual({ status: 401, body: CLIENT_AUTH_FAILED });
      expect((await sameAsUnknown((value) => form('/oauth2/revoke', { token: value }, auth()))).status).toBe(200);
    });

    it('answers an access token with a NUL at userinfo like an unknown one', async () => {
      const invalid = { status: 401, body: { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' } };
      expect(await sameAsUnknown((value) => form('/oauth2/userinfo', { access_token: value }))).toEqual(invalid);
      expect(await sameAsUnknown(async (kid) => form('/oauth2/userinfo', { access_token: await forged(kid) }))).toEqual(invalid);
    });

    it('answers a client_id path with a NUL at RFC 7592 like an unknown client', async () => {
      const read = async (clientId: string) => answer(await fetch(`${server.url}/oauth2/register/${encodeURIComponent(clientId)}`, { headers: { authorization: 'Bearer whatever' } }));
      expect((await sameAsUnknown(read)).status).toBe(401);
    });
  });

  describe('the admin API', () => {
    const notFound = (path: string, method = 'GET') => async (id: string) => adminApi(method, path.replace('ID', encodeURIComponent(id)), method === 'PATCH' ? {} : undefined);

    it.each([
      ['/identity-providers/ID', 'GET'],
      ['/identity-providers/ID', 'PATCH'],
      ['/identity-providers/ID', 'DELETE'],
      ['/certificates/ID', 'GET'],
      ['/certificates/ID', 'DELETE'],
      ['/clients/ID', 'GET'],
      ['/clients/ID', 'PATCH'],
      ['/clients/ID', 'DELETE'],
      ['/clients/ID/secret', 'POST'],
      ['/users/ID', 'GET'],
      ['/users/ID', 'PATCH'],
      ['/users/ID', 'DELETE'],
      ['/users/ID/consents', 'GET'],
      ['/users/ID/consents', 'DELETE'],
      ['/keys/ID', 'GET'],
      ['/keys/ID', 'DELETE'],
      ['/initial-access-tokens/ID', 'GET'],
      ['/initial-access-tokens/ID', 'DELETE'],
    ])('answers %s (%s) with a NUL in the id like an unknown id: 404', async (path, method) => {
      expect((await sameAsUnknown(notFound(path, method))).status).toBe(404);
    });

    it('forgets no consent for a client_id with a NUL, like an unknown client', async () => {
      expect((await sameAsUnknown((clientId) => adminApi('DELETE', `/users/${userId}/consents?client_id=${encodeURIComponent(clientId)}`))).status).toBe(204);
      expect((await sameAsUnknown((username) => adminApi('GET', `/users?username=${encodeURIComponent(username)}`))).body).toEqual({ items: [], total: 0 });
    });

    it('refuses identity provider names, issuers and URLs with control characters: 400', async () => {
      const create = (fields: Record<string, unknown>) => adminApi('POST', '/identity-providers', { name: 'p', issuer: 'https://p.example', jwks_uri: 'https://p.example/jwks', ...fields });
      expect(await create({ name: NUL })).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'name must not contain control characters' } });
      expect(await create({ issuer: `https://p.example/${NUL}` })).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'issuer must not contain control characters' } });
      expect(await create({ jwks_uri: `https://p.example/${NUL}` })).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'jwks_uri must be an http(s) URL' } });
      expect((await adminApi('POST', '/certificates', { alias: NUL, certificate: 'x' })).status).toBe(400);
      expect((await adminApi('GET', '/identity-providers?limit=200')).body).toMatchObject({ total: 2 });
    });
  });

  it('still issues tokens with random jtis afterwards (nothing above broke the server)', async () => {
    const issued = await token({ grant_type: JWT_BEARER, assertion: await signAssertion(idp, { iss: 'https://plain.example', sub: 'emp-1', aud: tokenEndpoint(), jti: randomUUID() }) });
    expect(issued.status).toBe(200);
  });
});
