import * as oauth from 'oauth4webapi';
import { DataSource } from 'typeorm';
import type { ClientView } from '../src/clients/clients.service';
import { IssuerContext } from '../src/common/issuer-context';
import { PushedRequestEntity } from '../src/oauth/authorization/request/pushed-request.entity';
import { PAR_REQUEST_URI_PREFIX, PushedRequests } from '../src/oauth/authorization/request/pushed-requests';
import { hashToken } from '../src/oauth/tokens/token-hash';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { adminCall } from './support/admin-api';
import { writeText } from './support/certificates';
import { cli } from './support/cli';
import { freshDatabase, TestDatabase } from './support/database';
import { keyPair } from './support/assertions';
import { TestBrowser } from './support/browser';
import { adminToken, basic, createClient, startServer, stopServer, TestServer } from './support/server';

const REDIRECT = 'https://rp.example/callback';
const PASSWORD = 'correct horse battery';
const FAST_SCRYPT = { users: { scrypt_log_n: 14, scrypt_p: 1 } };
const insecure = { [oauth.allowInsecureRequests]: true } as const;

/**
 * Pushed authorization requests (RFC 9126, issue 27 item 2): oauth4webapi pushes, a browser
 * (the fetch driver) signs in at /oauth2/authorize with the request_uri alone, the code is
 * exchanged with PKCE. The request_uri is single-use (one atomic statement with the code),
 * expires, belongs to the client that pushed it and to its tenant.
 */
describe('pushed authorization requests (RFC 9126)', () => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  let rp: ClientView;

  beforeAll(async () => {
    server = await startServer(FAST_SCRYPT);
    as = await oauth.processDiscoveryResponse(new URL(server.url), await oauth.discoveryRequest(new URL(server.url), insecure));
    rp = await createClient(server, { client_name: 'Shop', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid profile' });
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD }, true));
  });
  afterAll(() => stopServer(server));

  /** A fresh PKCE pair, state and nonce, and the request's parameters. */
  async function codeRequest(clientId: string, extra: Record<string, string> = {}) {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const params: Record<string, string> = {
      client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce, ...extra,
    };
    return { verifier, state, nonce, params };
  }

  /** POST /oauth2/par through oauth4webapi; the request_uri. */
  async function push(client: oauth.Client, auth: oauth.ClientAuth, params: Record<string, string>): Promise<oauth.PushedAuthorizationResponse> {
    const response = await oauth.pushedAuthorizationRequest(as, client, auth, params, insecure);
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    return oauth.processPushedAuthorizationResponse(as, client, response);
  }

  /** Raw POST /oauth2/par with client_secret_basic: status and JSON body. */
  async function rawPush(client: ClientView, params: Record<string, string>, base = server.url) {
    const response = await fetch(`${base}/oauth2/par`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.client_id, client.client_secret!) },
      body: new URLSearchParams(params),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const authorizeUrl = (clientId: string, requestUri: string, extra: Record<string, string> = {}, base = server.url) =>
    `${base}/oauth2/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri, ...extra })}`;

  /** Signs in (and consents, unless remembered) in `browser` from `url`; the answer at the redirect URI. */
  async function signIn(browser: TestBrowser, url: string) {
    const login = await browser.follow(url);
    expect(login.html).toContain('name="username"');
    const afterLogin = await browser.submit(login, { username: 'alice', password: PASSWORD });
    if (afterLogin.location?.startsWith(REDIRECT)) return new URL(afterLogin.location);
    expect(afterLogin.html).toContain('value="approve"');
    const back = await browser.submit(afterLogin, { decision: 'approve' });
    expect(back.location).toBeDefined();
    return new URL(back.location!);
  }

  /** The code of `landed` exchanged with PKCE (oauth4webapi checks state, iss and the ID token). */
  async function exchange(client: oauth.Client, auth: oauth.ClientAuth, landed: URL, request: { verifier: string; state: string; nonce: string }) {
    const callback = oauth.validateAuthResponse(as, client, landed, request.state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, REDIRECT, request.verifier, insecure);
    return oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: request.nonce, requireIdToken: true });
  }

  it('advertises the endpoint and whether it is required (RFC 9126 §5)', () => {
    expect(as.pushed_authorization_request_endpoint).toBe(`${server.url}/oauth2/par`);
    expect(as.require_pushed_authorization_requests).toBe(false);
  });

  it('PAR + code + PKCE with client_secret_basic: the pushed request is the request, other query parameters ignored', async () => {
    const client: oauth.Client = { client_id: rp.client_id };
    const auth = oauth.ClientSecretBasic(rp.client_secret!);
    const request = await codeRequest(rp.client_id);
    const pushed = await push(client, auth, request.params);
    expect(pushed.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43,}$/);
    expect(pushed.expires_in).toBe(60);
    // §4: only client_id and request_uri count; a scope or state added to the query changes nothing.
    const landed = await signIn(new TestBrowser(server.url), authorizeUrl(rp.client_id, pushed.request_uri, { scope: 'openid', state: 'other' }));
    expect(landed.searchParams.get('state')).toBe(request.state);
    const tokens = await exchange(client, auth, landed, request);
    expect(tokens.scope).toBe('openid profile');
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ aud: rp.client_id, nonce: request.nonce });
  });

  it('PAR + code + PKCE with private_key_jwt (the assertion addressed to the issuer)', async () => {
    const key = await keyPair('ES256');
    const pk = await createClient(server, {
      client_name: 'Signed', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid profile',
      token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] },
    });
    const client: oauth.Client = { client_id: pk.client_id };
    const auth = oauth.PrivateKeyJwt({ key: key.privateKey, kid: key.kid });
    const request = await codeRequest(pk.client_id);
    const pushed = await push(client, auth, request.params);
    const landed = await signIn(new TestBrowser(server.url), authorizeUrl(pk.client_id, pushed.request_uri));
    const tokens = await exchange(client, auth, landed, request);
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  it('a pushed request object (RFC 9126 §3): signed by the client, resolved at push and at authorize; a foreign aud is a JSON 400', async () => {
    const key = await keyPair('ES256');
    const jar = await createClient(server, {
      client_name: 'JAR + PAR', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid profile',
      token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, request_object_signing_alg: 'ES256',
    });
    const client: oauth.Client = { client_id: jar.client_id };
    const auth = oauth.PrivateKeyJwt({ key: key.privateKey, kid: key.kid });
    const { params, ...request } = await codeRequest(jar.client_id);
    const { client_id: _clientId, ...inside } = params;
    const object = await oauth.issueRequestObject(as, client, inside, { key: key.privateKey, kid: key.kid });
    // Under the baseline profile OIDC Core §6.1 still wants response_type and scope (with openid) outside the object.
    const pushed = await push(client, auth, { client_id: jar.client_id, response_type: 'code', scope: params.scope, request: object });
    const landed = await signIn(new TestBrowser(server.url), authorizeUrl(jar.client_id, pushed.request_uri));
    await exchange(client, auth, landed, request);

    const foreign = await oauth.issueRequestObject({ ...as, issuer: 'https://elsewhere.example' }, client, inside, { key: key.privateKey, kid: key.kid });
    const refused = await oauth.pushedAuthorizationRequest(as, client, auth, { client_id: jar.client_id, response_type: 'code', scope: params.scope, request: foreign }, insecure);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_request_object');
  });

  it('validates the pushed request as /oauth2/authorize would, answering JSON 400s (§2.3)', async () => {
    const { params } = await codeRequest(rp.client_id);
    expect(await rawPush(rp, { ...params, redirect_uri: 'https://evil.example/cb' })).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'redirect_uri is not registered for this client' } });
    expect((await rawPush(rp, { ...params, response_type: 'token' })).body.error).toBe('unsupported_response_type');
    expect((await rawPush(rp, { ...params, scope: 'openid admin' })).status).toBe(400);
    // §2.1: a request_uri inside a pushed request is refused.
    expect(await rawPush(rp, { ...params, request_uri: 'urn:ietf:params:oauth:request_uri:abc' })).toEqual({
      status: 400, body: { error: 'invalid_request', error_description: 'request_uri is not allowed in a pushed authorization request (RFC 9126 section 2.1)' },
    });
    // The client_id of the request is the authenticated client's.
    const other = await createClient(server, { client_name: 'Other', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
    expect((await rawPush(rp, { ...params, client_id: other.client_id })).body).toEqual({ error: 'invalid_request', error_description: 'client_id does not match the authenticated client' });
    // Parameters within the body limit whose JSON outgrows the column (a control character is %01
    // in the form, \u0001 in JSON): 400, not a failed write.
    const bulky = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`x${i}`, '\u0001'.repeat(1300)]));
    expect((await rawPush(rp, { ...params, ...bulky })).body).toEqual({ error: 'invalid_request', error_description: 'the pushed authorization request is too large' });
    // Unauthenticated: 401 invalid_client; GET: 405.
    expect((await fetch(`${server.url}/oauth2/par`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) })).status).toBe(401);
    expect((await fetch(`${server.url}/oauth2/par`)).status).toBe(405);
    // Nothing of them was stored.
    const stored = (await server.app.get(DataSource).query('SELECT client_id FROM pushed_requests')) as { client_id: string }[];
    expect(stored.filter((row) => row.client_id === other.client_id)).toEqual([]);
  });

  it('a request_uri is single-use: 20 signed-in browsers at once get one code, the rest invalid_request_uri', async () => {
    // Each browser signs in (consent remembered from the first) with a plain request, so it has a session.
    const browsers = await Promise.all(Array.from({ length: 20 }, () => new TestBrowser(server.url)));
    for (const browser of browsers) {
      const { params } = await codeRequest(rp.client_id);
      await signIn(browser, `${server.url}/oauth2/authorize?${new URLSearchParams(params)}`);
    }
    const request = await codeRequest(rp.client_id);
    const { body } = await rawPush(rp, request.params);
    const requestUri = body.request_uri as string;
    const answers = await Promise.all(browsers.map((browser) => browser.request(authorizeUrl(rp.client_id, requestUri))));
    // One code; every other browser refused with invalid_request_uri — at the redirect URI when it
    // lost the race at the commit, as an error page when the request_uri was already used when it looked.
    const landed = answers.filter((answer) => answer.location).map((answer) => new URL(answer.location!));
    const codes = landed.filter((url) => url.searchParams.has('code'));
    expect(codes).toHaveLength(1);
    const redirected = landed.filter((url) => url.searchParams.get('error') === 'invalid_request_uri');
    for (const url of redirected) expect(url.searchParams.get('state')).toBe(request.state);
    const pages = answers.filter((answer) => answer.status === 400 && !answer.location && answer.html.includes('invalid_request_uri'));
    expect(redirected.length + pages.length).toBe(19);
    // The one code works.
    await exchange({ client_id: rp.client_id }, oauth.ClientSecretBasic(rp.client_secret!), codes[0], request);
    // And used once, it is unknown to the next browser too (an error page: nothing of it is trusted any more).
    const again = await browsers[0].request(authorizeUrl(rp.client_id, requestUri));
    expect(again.status).toBe(400);
    expect(again.location).toBeUndefined();
    expect(again.html).toContain('invalid_request_uri');
  });

  it('20 browsers that started with the same request_uri approve at once: one code, 19 invalid_request_uri at the redirect URI', async () => {
    // A client of its own, so every browser is asked for consent: the approvals are what race.
    const fresh = await createClient(server, { client_name: 'Fresh', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid profile' });
    const request = await codeRequest(fresh.client_id);
    const { body } = await rawPush(fresh, request.params);
    const url = authorizeUrl(fresh.client_id, body.request_uri as string);
    // Each signs in (one after the other: concurrent sign-ins of one account are refused) to the
    // consent page — nothing consumed yet — then all approve together: the code's commit decides.
    const browsers = Array.from({ length: 20 }, () => new TestBrowser(server.url));
    const consents: Awaited<ReturnType<TestBrowser['submit']>>[] = [];
    for (const browser of browsers) {
      const afterLogin = await browser.submit(await browser.follow(url), { username: 'alice', password: PASSWORD });
      expect(afterLogin.html).toContain('value="approve"');
      consents.push(afterLogin);
    }
    const landed = await Promise.all(browsers.map(async (browser, i) => new URL((await browser.submit(consents[i], { decision: 'approve' })).location!)));
    expect(landed.filter((answer) => answer.searchParams.has('code'))).toHaveLength(1);
    const refused = landed.filter((answer) => answer.searchParams.get('error') === 'invalid_request_uri');
    expect(refused).toHaveLength(19);
    for (const answer of refused) expect(answer.searchParams.get('state')).toBe(request.state);
  });

  it('a refused or abandoned request consumes nothing; an expired one is an error page', async () => {
    const request = await codeRequest(rp.client_id, { prompt: 'none' });
    const { body } = await rawPush(rp, request.params);
    // prompt=none without a session: login_required at the redirect URI, the request_uri still unused.
    const first = await new TestBrowser(server.url).request(authorizeUrl(rp.client_id, body.request_uri as string));
    expect(new URL(first.location!).searchParams.get('error')).toBe('login_required');
    const handleHash = hashToken((body.request_uri as string).slice(PAR_REQUEST_URI_PREFIX.length));
    const row = await server.app.get(DataSource).getRepository(PushedRequestEntity).findOneByOrFail({ handleHash });
    expect(row.consumed).toBe(false);
    // Past its expires_at (set back in the database, as time passing would): refused, no redirect.
    await server.app.get(DataSource).query('UPDATE pushed_requests SET expires_at = 1');
    const expired = await new TestBrowser(server.url).request(authorizeUrl(rp.client_id, body.request_uri as string));
    expect(expired.status).toBe(400);
    expect(expired.location).toBeUndefined();
    expect(expired.html).toContain('invalid_request_uri');
  });

  it('a request_uri is bound to the client that pushed it, and client_id is required with it', async () => {
    const other = await createClient(server, { client_name: 'Other', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
    const { body } = await rawPush(rp, (await codeRequest(rp.client_id)).params);
    const foreign = await new TestBrowser(server.url).request(authorizeUrl(other.client_id, body.request_uri as string));
    expect(foreign.status).toBe(400);
    expect(foreign.location).toBeUndefined();
    expect(foreign.html).toContain('invalid_request_uri');
    const anonymous = await new TestBrowser(server.url).request(`${server.url}/oauth2/authorize?${new URLSearchParams({ request_uri: body.request_uri as string })}`);
    expect(anonymous.status).toBe(400);
    expect(anonymous.html).toContain('client_id is required with request_uri');
    // Still usable by its own client.
    const own = await new TestBrowser(server.url).follow(authorizeUrl(rp.client_id, body.request_uri as string));
    expect(own.html).toContain('name="username"');
  });

  it('a request_uri of one tenant is unknown in another', async () => {
    const superAdmin = await adminToken(server, { superAdmin: true });
    expect((await adminCall(server.url, superAdmin, 'POST', '/tenants', { domain: 'wso2.com', display_name: 'WSO2' })).status).toBe(201);
    const issuers = server.app.get(IssuerContext);
    const context = await issuers.forDomain('wso2.com');
    const tenantRp = await issuers.run(context, () => createClient(server, { client_name: 'Tenant shop', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' }));
    // Pushed in the tenant, through /t/wso2.com/oauth2/par.
    const inTenant = await rawPush(tenantRp, (await codeRequest(tenantRp.client_id, { scope: 'openid' })).params, context.issuer);
    expect(inTenant.status).toBe(201);
    // The default tenant's request_uri at the tenant's authorization endpoint, with the tenant's client: unknown.
    const { body } = await rawPush(rp, (await codeRequest(rp.client_id)).params);
    const crossed = await new TestBrowser(server.url).request(authorizeUrl(tenantRp.client_id, body.request_uri as string, {}, context.issuer));
    expect(crossed.status).toBe(400);
    expect(crossed.html).toContain('invalid_request_uri');
    // And the lookup itself, in each tenant: the tenant's handle is unknown in the default tenant.
    await expect(server.app.get(PushedRequests).find(inTenant.body.request_uri as string, tenantRp.client_id)).rejects.toMatchObject({ error: 'invalid_request_uri' });
    const found = await issuers.run(context, () => server.app.get(PushedRequests).find(inTenant.body.request_uri as string, tenantRp.client_id));
    expect(found.params.client_id).toBe(tenantRp.client_id);
  });

  it('require_pushed_authorization_requests per client: a plain request is refused, a pushed one served', async () => {
    const strict = await createClient(server, { client_name: 'Strict', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid', require_pushed_authorization_requests: true });
    expect(strict.require_pushed_authorization_requests).toBe(true);
    const request = await codeRequest(strict.client_id, { scope: 'openid' });
    const plain = await new TestBrowser(server.url).request(`${server.url}/oauth2/authorize?${new URLSearchParams(request.params)}`);
    const refused = new URL(plain.location!);
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('error_description')).toContain('must be pushed first');
    const { status, body } = await rawPush(strict, request.params);
    expect(status).toBe(201);
    const pushed = await new TestBrowser(server.url).follow(authorizeUrl(strict.client_id, body.request_uri as string));
    expect(pushed.html).toContain('name="username"');
  });
});

describe('[oauth.par] required', () => {
  let server: TestServer | undefined;
  afterAll(() => stopServer(server));

  it('refuses a plain authorization request, serves a pushed one, and says so in discovery', async () => {
    server = await startServer({ ...FAST_SCRYPT, oauth: { par: { required: true, request_uri_ttl: 30 } } });
    const document = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(document.require_pushed_authorization_requests).toBe(true);
    const rp = await createClient(server, { client_name: 'Shop', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
    const params = { client_id: rp.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: 's' };
    const plain = await new TestBrowser(server.url).request(`${server.url}/oauth2/authorize?${new URLSearchParams(params)}`);
    expect(new URL(plain.location!).searchParams.get('error')).toBe('invalid_request');
    const response = await fetch(`${server.url}/oauth2/par`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(rp.client_id, rp.client_secret!) },
      body: new URLSearchParams(params),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { request_uri: string; expires_in: number };
    expect(body.expires_in).toBe(30);
    const pushed = await new TestBrowser(server.url).follow(`${server.url}/oauth2/authorize?${new URLSearchParams({ client_id: rp.client_id, request_uri: body.request_uri })}`);
    expect(pushed.html).toContain('name="username"');
  });
});

describe('grantry clients --require-par', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = freshDatabase();
    await db.prepare?.();
  });
  afterAll(() => db.drop());

  it('registers require_pushed_authorization_requests with create --require-par, and clears it with update --no-require-par', async () => {
    const schema = db.schema ? `schema = "${db.schema}"\n` : '';
    const configFile = writeText(db.dir, 'par-cli.toml', `[database]\nurl = "${db.url}"\n${schema}\n[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n`);
    const json = async (...args: string[]) => JSON.parse((await cli([...args, '--config', configFile, '--json'], { TEST_MASTER_KEY: db.masterKey })).stdout);
    const created = await json('clients', 'create', '--name', 'strict', '--grant-type', 'authorization_code', '--redirect-uri', REDIRECT, '--require-par');
    expect(created.require_pushed_authorization_requests).toBe(true);
    expect((await json('clients', 'update', created.client_id, '--no-require-par')).require_pushed_authorization_requests).toBe(false);
    expect((await json('clients', 'update', created.client_id, '--require-par')).require_pushed_authorization_requests).toBe(true);
  });
});
