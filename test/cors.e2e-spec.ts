import { createHash, randomBytes } from 'node:crypto';
import type { ClientView } from '../src/clients/clients.service';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { TestBrowser } from './support/browser';
import { writeText } from './support/certificates';
import { cli } from './support/cli';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

/** The single-page app's origin: where its redirect URI lives (a public client's default CORS origin). */
const SPA = 'http://localhost:5173';
const SPA_REDIRECT = `${SPA}/callback`;
/** An origin the confidential client lists in allowed_cors_origins. */
const APP = 'https://app.example';
const FOREIGN = 'https://evil.example';

const CLIENT_PREFLIGHT = {
  'access-control-allow-methods': 'POST',
  'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
  'access-control-max-age': '3600',
};

/** The CORS headers of a response, and Vary: what a browser decides on. */
function corsHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) if (name.startsWith('access-control-') || name === 'vary') out[name] = value;
  return out;
}

function preflight(server: TestServer, path: string, origin: string, method = 'POST', requestHeaders = 'authorization,content-type'): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': requestHeaders } });
}

function form(server: TestServer, path: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params) });
}

/**
 * CORS for browser applications (issue 23 item 10; DESIGN "Rules that hold everywhere"): the
 * token, revocation and userinfo endpoints answer a client's allowed origins only, discovery and
 * JWKS any origin, everything else never; one catch-all answers the preflight of every route.
 */
describe('CORS', () => {
  let server: TestServer;
  /** Confidential, client_credentials, allowed_cors_origins [APP]. */
  let app: ClientView;
  /** Public (none), code flow, no allowed_cors_origins: its redirect URI's origin by default. */
  let spa: ClientView;

  beforeAll(async () => {
    server = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 } });
    app = await createClient(server, { client_name: 'app', grant_types: ['client_credentials'], scope: 'orders:read', allowed_cors_origins: [APP] });
    spa = await createClient(server, {
      client_name: 'spa',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [SPA_REDIRECT],
      scope: 'openid profile',
    });
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: 'correct horse battery', claims: { name: 'Alice A' } }, true));
  });
  afterAll(() => stopServer(server));

  const appToken = (headers: Record<string, string> = {}, params: Record<string, string> = {}) =>
    tokenRequest(server, { grant_type: 'client_credentials', ...params }, { authorization: basic(app.client_id, app.client_secret!), ...headers });

  /** The SPA's code flow up to the code (sign-in and consent as a browser would), with its PKCE verifier. */
  async function spaCode(): Promise<{ code: string; verifier: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${server.url}/oauth2/authorize`);
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: spa.client_id,
      redirect_uri: SPA_REDIRECT,
      scope: 'openid profile',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: randomBytes(8).toString('hex'),
    })) authorize.searchParams.set(name, value);
    const browser = new TestBrowser(server.url);
    const login = await browser.follow(authorize.toString());
    let page = await browser.submit(login, { username: 'alice', password: 'correct horse battery' });
    if (!page.location?.startsWith(SPA_REDIRECT)) page = await browser.submit(page, { decision: 'approve' });
    const code = new URL(page.location!).searchParams.get('code');
    if (!code) throw new Error(`no code: ${page.status} ${page.location}`);
    return { code, verifier };
  }

  const exchange = ({ code, verifier }: { code: string; verifier: string }, origin?: string) =>
    tokenRequest(server, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: SPA_REDIRECT, client_id: spa.client_id }, origin ? { origin } : {});

  describe('preflight', () => {
    it('answers OPTIONS /oauth2/token, which was a 404: a plain OPTIONS learns what is allowed', async () => {
      const response = await fetch(`${server.url}/oauth2/token`, { method: 'OPTIONS' });
      expect(response.status).toBe(204);
      expect(response.headers.get('allow')).toBe('POST, OPTIONS');
      expect(corsHeaders(response.headers)).toEqual({});
    });

    it('answers a preflight on the token endpoint from an allowed origin with that origin, no credentials, Vary: Origin', async () => {
      const response = await preflight(server, '/oauth2/token', APP);
      expect(response.status).toBe(204);
      expect(corsHeaders(response.headers)).toEqual({ 'access-control-allow-origin': APP, vary: 'Origin', ...CLIENT_PREFLIGHT });
      expect(await response.text()).toBe('');
    });

    it('answers a preflight from any other origin the same way: it carries no credentials, so the client is not known yet', async () => {
      const response = await preflight(server, '/oauth2/token?x=1', FOREIGN);
      expect(response.status).toBe(204);
      expect(corsHeaders(response.headers)).toEqual({ 'access-control-allow-origin': FOREIGN, vary: 'Origin', ...CLIENT_PREFLIGHT });
    });

    it('answers preflights of revocation (POST) and userinfo (GET, POST)', async () => {
      expect(corsHeaders((await preflight(server, '/oauth2/revoke', SPA)).headers)).toEqual({ 'access-control-allow-origin': SPA, vary: 'Origin', ...CLIENT_PREFLIGHT });
      const userinfo = await preflight(server, '/oauth2/userinfo', SPA, 'GET', 'authorization');
      expect(userinfo.status).toBe(204);
      expect(corsHeaders(userinfo.headers)).toEqual({ 'access-control-allow-origin': SPA, vary: 'Origin', ...CLIENT_PREFLIGHT, 'access-control-allow-methods': 'GET, POST' });
    });

    it('answers a preflight from Origin null or a malformed origin without CORS headers: no client can have registered it', async () => {
      // null: a sandboxed frame, a file: page, a redirect across origins — nothing tells one such page from another.
      for (const origin of ['null', 'https://app.example/', 'https://App.Example', 'https://*.example', 'chrome-extension://abcdef', 'https://a.example, https://b.example', 'not an origin']) {
        for (const [path, method] of [['/oauth2/token', 'POST'], ['/oauth2/revoke', 'POST'], ['/oauth2/userinfo', 'GET']]) {
          const response = await preflight(server, path, origin, method);
          expect({ origin, path, status: response.status, allow: response.headers.get('allow'), cors: corsHeaders(response.headers) }).toEqual({
            origin,
            path,
            status: 204,
            allow: `${path === '/oauth2/userinfo' ? 'GET, POST' : 'POST'}, OPTIONS`,
            cors: { vary: 'Origin' },
          });
        }
      }
      // An http origin is well-formed, loopback or not: the actual response decides (no client may register http://app.example).
      expect(corsHeaders((await preflight(server, '/oauth2/token', 'http://app.example')).headers)).toEqual({ 'access-control-allow-origin': 'http://app.example', vary: 'Origin', ...CLIENT_PREFLIGHT });
    });

    it('answers preflights of discovery and JWKS for any origin with *, never with credentials', async () => {
      for (const path of ['/oauth2/jwks', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
        const response = await preflight(server, path, FOREIGN, 'GET', 'accept');
        expect({ path, status: response.status, cors: corsHeaders(response.headers) }).toEqual({
          path,
          status: 204,
          cors: { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET', 'access-control-max-age': '3600' },
        });
      }
    });

    it('answers preflights of endpoints that never do CORS without CORS headers (the browser blocks)', async () => {
      for (const [path, method] of [
        ['/api/admin/v1/clients', 'GET'],
        ['/oauth2/introspect', 'POST'],
        ['/oauth2/register', 'POST'],
        ['/oauth2/authorize', 'GET'],
        ['/oauth2/logout', 'POST'],
        ['/oauth2/no-such-endpoint', 'POST'],
      ]) {
        const response = await preflight(server, path, APP, method);
        expect({ path, status: response.status, cors: corsHeaders(response.headers) }).toEqual({ path, status: 404, cors: {} });
      }
    });
  });

  describe('token endpoint', () => {
    it('lets an allowed origin read the token response: Access-Control-Allow-Origin and Vary, no credentials', async () => {
      const response = await appToken({ origin: APP });
      expect(response.status).toBe(200);
      expect(corsHeaders(response.headers)).toEqual({ 'access-control-allow-origin': APP, vary: 'Origin' });
    });

    it('gives another origin no Access-Control-Allow-Origin (the browser withholds the answer)', async () => {
      const response = await appToken({ origin: FOREIGN });
      expect(response.status).toBe(200);
      expect(corsHeaders(response.headers)).toEqual({ vary: 'Origin' });
    });

    it('adds nothing to a request without Origin (a server, not a browser)', async () => {
      const response = await appToken();
      expect(response.status).toBe(200);
      expect(corsHeaders(response.headers)).toEqual({});
    });

    it('lets the authenticated client\'s origin read an error after authentication, not one before', async () => {
      const refused = await appToken({ origin: APP }, { scope: 'admin' });
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ error: 'invalid_scope', error_description: 'scope not allowed for this client: admin (this client\'s registered scopes: orders:read)' });
      expect(corsHeaders(refused.headers)).toEqual({ 'access-control-allow-origin': APP, vary: 'Origin' });

      // Failed client authentication: no client, so nobody's origin.
      const unauthenticated = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(app.client_id, 'wrong'), origin: APP });
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
      expect(corsHeaders(unauthenticated.headers)).toEqual({});
    });

    it('gives a public client the origins of its redirect URIs by default; a confidential client none', async () => {
      const allowed = await exchange(await spaCode(), SPA);
      expect(allowed.status).toBe(200);
      expect(corsHeaders(allowed.headers)).toEqual({ 'access-control-allow-origin': SPA, vary: 'Origin' });

      const other = await exchange(await spaCode(), 'http://localhost:5174');
      expect(other.status).toBe(200);
      expect(corsHeaders(other.headers)).toEqual({ vary: 'Origin' });

      const confidential = await createClient(server, { grant_types: ['client_credentials'], redirect_uris: [], scope: 'orders:read' });
      const fromAnywhere = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(confidential.client_id, confidential.client_secret!), origin: APP });
      expect(fromAnywhere.status).toBe(200);
      expect(corsHeaders(fromAnywhere.headers)).toEqual({ vary: 'Origin' });
    });

    it('follows a change of allowed_cors_origins at once ([] none, null the default again)', async () => {
      const token = await adminToken(server);
      const patch = (body: unknown) => fetch(`${server.url}/api/admin/v1/clients/${spa.client_id}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      try {
        expect((await patch({ allowed_cors_origins: [] })).status).toBe(200);
        expect(corsHeaders((await exchange(await spaCode(), SPA)).headers)).toEqual({ vary: 'Origin' });
        expect((await patch({ allowed_cors_origins: ['https://spa.example'] })).status).toBe(200);
        expect(corsHeaders((await exchange(await spaCode(), 'https://spa.example')).headers)).toEqual({ 'access-control-allow-origin': 'https://spa.example', vary: 'Origin' });
      } finally {
        expect((await patch({ allowed_cors_origins: null })).status).toBe(200);
      }
      expect(corsHeaders((await exchange(await spaCode(), SPA)).headers)).toEqual({ 'access-control-allow-origin': SPA, vary: 'Origin' });
    });
  });

  describe('userinfo and revocation', () => {
    it('lets the access token\'s client\'s origin read userinfo, WWW-Authenticate exposed; not another origin', async () => {
      const tokens = await exchange(await spaCode());
      const bearer = { authorization: `Bearer ${tokens.body.access_token as string}` };
      const allowed = await fetch(`${server.url}/oauth2/userinfo`, { headers: { ...bearer, origin: SPA } });
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toMatchObject({ name: 'Alice A' });
      expect(corsHeaders(allowed.headers)).toEqual({ 'access-control-allow-origin': SPA, 'access-control-expose-headers': 'WWW-Authenticate', vary: 'Origin' });

      const foreign = await fetch(`${server.url}/oauth2/userinfo`, { method: 'POST', headers: { ...bearer, origin: FOREIGN } });
      expect(foreign.status).toBe(200);
      expect(corsHeaders(foreign.headers)).toEqual({ vary: 'Origin' });
    });

    it('lets the token\'s client\'s origin read a userinfo error and its WWW-Authenticate', async () => {
      // A client_credentials token has no openid scope: 403 insufficient_scope (RFC 6750 §3.1).
      const { body } = await appToken();
      const refused = await fetch(`${server.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${body.access_token as string}`, origin: APP } });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer .*error="insufficient_scope"/);
      expect(corsHeaders(refused.headers)).toEqual({ 'access-control-allow-origin': APP, 'access-control-expose-headers': 'WWW-Authenticate', vary: 'Origin' });

      // An unknown token names no client: no origin may read the answer.
      const unknown = await fetch(`${server.url}/oauth2/userinfo`, { headers: { authorization: 'Bearer not-a-token', origin: APP } });
      expect(unknown.status).toBe(401);
      expect(corsHeaders(unknown.headers)).toEqual({});
    });

    it('lets the authenticated client\'s origin read the revocation answer; not another origin', async () => {
      const { body } = await appToken();
      const credentials = { authorization: basic(app.client_id, app.client_secret!) };
      const allowed = await form(server, '/oauth2/revoke', { token: body.access_token as string }, { ...credentials, origin: APP });
      expect(allowed.status).toBe(200);
      expect(corsHeaders(allowed.headers)).toEqual({ 'access-control-allow-origin': APP, vary: 'Origin' });
      const foreign = await form(server, '/oauth2/revoke', { token: 'unknown' }, { ...credentials, origin: FOREIGN });
      expect(foreign.status).toBe(200);
      expect(corsHeaders(foreign.headers)).toEqual({ vary: 'Origin' });
    });
  });

  describe('public documents and endpoints that never do CORS', () => {
    it('serves JWKS and both discovery documents to any origin with *, never with credentials', async () => {
      for (const path of ['/oauth2/jwks', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
        const response = await fetch(`${server.url}${path}`, { headers: { origin: FOREIGN } });
        expect({ path, status: response.status, cors: corsHeaders(response.headers) }).toEqual({ path, status: 200, cors: { 'access-control-allow-origin': '*' } });
      }
    });

    it('never sends CORS headers from the admin API, introspection, registration, authorization or logout, even to a client\'s own origin', async () => {
      const token = await adminToken(server);
      const { body } = await appToken();
      const responses = {
        admin: await fetch(`${server.url}/api/admin/v1/clients`, { headers: { authorization: `Bearer ${token}`, origin: APP } }),
        introspection: await form(server, '/oauth2/introspect', { token: body.access_token as string }, { authorization: basic(app.client_id, app.client_secret!), origin: APP }),
        registration: await fetch(`${server.url}/oauth2/register`, { method: 'POST', headers: { 'content-type': 'application/json', origin: SPA }, body: JSON.stringify({ redirect_uris: [SPA_REDIRECT] }) }),
        authorization: await fetch(`${server.url}/oauth2/authorize?response_type=code&client_id=${spa.client_id}&redirect_uri=${encodeURIComponent(SPA_REDIRECT)}`, { headers: { origin: SPA }, redirect: 'manual' }),
        logout: await fetch(`${server.url}/oauth2/logout`, { headers: { origin: SPA }, redirect: 'manual' }),
      };
      const seen = Object.fromEntries(Object.entries(responses).map(([name, response]) => [name, corsHeaders(response.headers)]));
      expect(seen).toEqual({ admin: {}, introspection: {}, registration: {}, authorization: {}, logout: {} });
      expect(responses.admin.status).toBe(200);
      expect(responses.introspection.status).toBe(200);
    });
  });

  describe('allowed_cors_origins metadata', () => {
    let token: string;
    beforeAll(async () => {
      token = await adminToken(server);
    });
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${server.url}/api/admin/v1/clients${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

    it('is set at creation, shown by GET, replaced by PATCH, and null by default', async () => {
      const created = await admin('POST', '', { client_name: 'web', grant_types: ['client_credentials'], allowed_cors_origins: ['https://a.example', 'http://localhost:3000', 'http://[::1]:8080'] });
      expect(created.status).toBe(201);
      const view = (await created.json()) as ClientView;
      expect(view.allowed_cors_origins).toEqual(['https://a.example', 'http://localhost:3000', 'http://[::1]:8080']);
      expect(((await (await admin('GET', `/${view.client_id}`)).json()) as ClientView).allowed_cors_origins).toEqual(['https://a.example', 'http://localhost:3000', 'http://[::1]:8080']);
      const patched = await admin('PATCH', `/${view.client_id}`, { allowed_cors_origins: ['https://b.example:8443'] });
      expect(((await patched.json()) as ClientView).allowed_cors_origins).toEqual(['https://b.example:8443']);
      const plain = await admin('POST', '', { client_name: 'plain', grant_types: ['client_credentials'] });
      expect(((await plain.json()) as ClientView).allowed_cors_origins).toBeNull();
    });

    it.each([
      ['https://app.example/', 'must be the bare origin https://app.example, without path, query, fragment or default port'],
      ['https://app.example/spa', 'must be the bare origin https://app.example, without path, query, fragment or default port'],
      ['https://app.example?x=1', 'must be the bare origin https://app.example, without path, query, fragment or default port'],
      ['https://app.example#top', 'must be the bare origin https://app.example, without path, query, fragment or default port'],
      ['https://app.example:443', 'must be the bare origin https://app.example, without path, query, fragment or default port'],
      ['https://App.Example', 'must be the bare origin https://app.example, without path, query, fragment or default port'],
      ['https://user@app.example', 'must be the bare origin https://app.example, without path, query, fragment or default port'],
      ['*', 'wildcards are not allowed; list each origin'],
      ['https://*.example.com', 'wildcards are not allowed; list each origin'],
      ['http://app.example', 'http is allowed only for loopback hosts; use https'],
      ['null', 'not an origin (scheme://host[:port])'],
      ['app.example', 'not an origin (scheme://host[:port])'],
      ['ftp://app.example', 'must be an https origin'],
      ['com.example.app:/cb', 'must be an https origin'],
    ])('refuses %s with invalid_client_metadata', async (origin, why) => {
      const response = await admin('POST', '', { client_name: 'bad', grant_types: ['client_credentials'], allowed_cors_origins: [origin] });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'invalid_client_metadata', error_description: `allowed_cors_origins: ${why}: '${origin}'` });
    });

    it('refuses a value that is not an array of strings, and duplicates', async () => {
      for (const [value, description] of [
        ['https://app.example', 'allowed_cors_origins must be an array of non-empty strings'],
        [[42], 'allowed_cors_origins must be an array of non-empty strings'],
        [['https://a.example', 'https://a.example'], 'allowed_cors_origins has duplicates'],
      ] as const) {
        const response = await admin('POST', '', { client_name: 'bad', grant_types: ['client_credentials'], allowed_cors_origins: value });
        expect({ value, status: response.status, body: await response.json() }).toEqual({ value, status: 400, body: { error: 'invalid_client_metadata', error_description: description } });
      }
    });

    it('is set by the CLI: --cors-origin (repeatable) at create and update, --no-cors-origin for none, --default-cors-origins for the default', async () => {
      const { db } = server;
      const schema = db.schema ? `schema = "${db.schema}"\n` : '';
      const config = writeText(db.dir, 'cors-cli.toml', `[database]\nurl = "${db.url}"\n${schema}[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n`);
      const run = (...args: string[]) => cli([...args, '--config', config], { TEST_MASTER_KEY: db.masterKey });
      const json = async (...args: string[]) => {
        const result = await run(...args, '--json');
        expect(result).toMatchObject({ status: 0, stderr: '' });
        return JSON.parse(result.stdout) as ClientView;
      };

      const created = await json('clients', 'create', '--name', 'cli-spa', '--auth-method', 'none', '--grant-type', 'authorization_code', '--redirect-uri', SPA_REDIRECT, '--cors-origin', 'https://a.example', '--cors-origin', 'http://localhost:3000');
      expect(created.allowed_cors_origins).toEqual(['https://a.example', 'http://localhost:3000']);
      expect((await json('clients', 'update', created.client_id, '--cors-origin', 'https://b.example')).allowed_cors_origins).toEqual(['https://b.example']);
      expect((await json('clients', 'update', created.client_id, '--no-cors-origin')).allowed_cors_origins).toEqual([]);
      expect((await json('clients', 'update', created.client_id, '--default-cors-origins')).allowed_cors_origins).toBeNull();
      expect((await json('clients', 'show', created.client_id)).allowed_cors_origins).toBeNull();

      expect(await run('clients', 'update', created.client_id, '--no-cors-origin', '--cors-origin', 'https://c.example')).toEqual({ status: 2, stdout: '', stderr: expect.stringContaining('give only one of --cors-origin, --no-cors-origin') });
      expect(await run('clients', 'create', '--name', 'bad', '--cors-origin', 'https://a.example/path')).toEqual({
        status: 1,
        stdout: '',
        stderr: 'grantry: invalid_client_metadata: allowed_cors_origins: must be the bare origin https://a.example, without path, query, fragment or default port: "https://a.example/path"\n',
      });
    });

    it('is client metadata of RFC 7591 registration, echoed back and kept by RFC 7592 reads', async () => {
      const open = await startServer({ oauth: { registration: { open: true } } });
      try {
        const registered = await fetch(`${open.url}/oauth2/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: [SPA_REDIRECT], token_endpoint_auth_method: 'none', allowed_cors_origins: ['https://spa.example'] }),
        });
        expect(registered.status).toBe(201);
        const body = (await registered.json()) as Record<string, unknown>;
        expect(body.allowed_cors_origins).toEqual(['https://spa.example']);
        const read = await fetch(body.registration_client_uri as string, { headers: { authorization: `Bearer ${body.registration_access_token as string}` } });
        expect(((await read.json()) as Record<string, unknown>).allowed_cors_origins).toEqual(['https://spa.example']);

        // Without the member the default applies and nothing is echoed (RFC 7591 answers no nulls).
        const plain = await fetch(`${open.url}/oauth2/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [SPA_REDIRECT] }) });
        expect(Object.keys((await plain.json()) as object)).not.toContain('allowed_cors_origins');

        const refused = await fetch(`${open.url}/oauth2/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [SPA_REDIRECT], allowed_cors_origins: ['*'] }) });
        expect(refused.status).toBe(400);
        expect(await refused.json()).toEqual({ error: 'invalid_client_metadata', error_description: "allowed_cors_origins: wildcards are not allowed; list each origin: '*'" });
      } finally {
        await stopServer(open);
      }
    });
  });
});
