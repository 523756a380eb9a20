import * as oauth from 'oauth4webapi';
import type { ClientView } from '../src/clients/clients.service';
import { accessTokenHash } from '../src/oauth/dpop/dpop-proof';
import { parseUserInput } from '../src/users/user-input';
import { UsersService } from '../src/users/users.service';
import { TestBrowser } from './support/browser';
import { dpopKey, proof, type DpopKey } from './support/dpop';
import { basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const REDIRECT = 'https://rp.example/callback';
const PASSWORD = 'correct horse battery';
const FAST_SCRYPT = { users: { scrypt_log_n: 14, scrypt_p: 1 } };
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const INVALID_PROOF = { error: 'invalid_dpop_proof', error_description: 'the DPoP proof is invalid' };
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

/**
 * DPoP (RFC 9449, issue 28 item 1): oauth4webapi binds tokens from client_credentials, the code
 * flow (public and confidential clients) and refresh to its key; userinfo accepts them with a
 * fresh proof of each request and refuses them as Bearer tokens, with a replayed proof, or with a
 * proof for another key, method or URL. A proof is used once, by one atomic statement.
 */
describe('DPoP (RFC 9449)', () => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  let service: ClientView;
  let web: ClientView;
  let spa: ClientView;

  beforeAll(async () => {
    server = await startServer({ ...FAST_SCRYPT, oauth: { grant_type: { password: { enable: true } } } });
    as = await oauth.processDiscoveryResponse(new URL(server.url), await oauth.discoveryRequest(new URL(server.url), insecure));
    service = await createClient(server, { client_name: 'Service', grant_types: ['client_credentials'], scope: 'read' });
    web = await createClient(server, { client_name: 'Web', grant_types: ['authorization_code', 'refresh_token', 'password'], redirect_uris: [REDIRECT], scope: 'openid profile' });
    spa = await createClient(server, { client_name: 'SPA', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [REDIRECT], scope: 'openid profile' });
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD, claims: { name: 'Alice A' } }, true));
  });
  afterAll(() => stopServer(server));

  const token = (params: Record<string, string>, headers: Record<string, string>) => tokenRequest(server, params, headers);
  const serviceAuth = () => ({ authorization: basic(service.client_id, service.client_secret!) });

  async function clientCredentials(key: DpopKey): Promise<oauth.TokenEndpointResponse> {
    const client: oauth.Client = { client_id: service.client_id };
    const DPoP = oauth.DPoP(client, key.pair);
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(service.client_secret!), { scope: 'read' }, { ...insecure, DPoP });
    return oauth.processClientCredentialsResponse(as, client, response);
  }

  /** Signs alice in at /oauth2/authorize and lands at the redirect URI: the callback parameters, the PKCE verifier and state. */
  async function authorize(rp: ClientView, extra: Record<string, string> = {}, push?: DpopKey) {
    const client: oauth.Client = { client_id: rp.client_id };
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    let params = new URLSearchParams({ client_id: rp.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile', state, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra });
    if (push) {
      // RFC 9449 §10.1: a DPoP proof at PAR binds the code to its key.
      const response = await oauth.pushedAuthorizationRequest(as, client, authOf(rp), params, { ...insecure, DPoP: oauth.DPoP(client, push.pair) });
      const pushed = await oauth.processPushedAuthorizationResponse(as, client, response);
      params = new URLSearchParams({ client_id: rp.client_id, request_uri: pushed.request_uri });
    }
    const browser = new TestBrowser(server.url);
    const login = await browser.follow(`${server.url}/oauth2/authorize?${params}`);
    const afterLogin = await browser.submit(login, { username: 'alice', password: PASSWORD });
    const landed = afterLogin.location?.startsWith(REDIRECT) ? afterLogin.location : (await browser.submit(afterLogin, { decision: 'approve' })).location!;
    return { callback: oauth.validateAuthResponse(as, client, new URL(landed), state), verifier };
  }

  const authOf = (rp: ClientView) => (rp.client_secret ? oauth.ClientSecretBasic(rp.client_secret) : oauth.None());

  /** Exchanges a code with PKCE through oauth4webapi, with a proof of `key`. */
  async function exchange(rp: ClientView, { callback, verifier }: Awaited<ReturnType<typeof authorize>>, key: DpopKey): Promise<oauth.TokenEndpointResponse> {
    const client: oauth.Client = { client_id: rp.client_id };
    const response = await oauth.authorizationCodeGrantRequest(as, client, authOf(rp), callback, REDIRECT, verifier, { ...insecure, DPoP: oauth.DPoP(client, key.pair) });
    return oauth.processAuthorizationCodeResponse(as, client, response);
  }

  /** The code flow, the code and the tokens bound to `key`. */
  async function codeFlow(rp: ClientView, key: DpopKey): Promise<oauth.TokenEndpointResponse> {
    return exchange(rp, await authorize(rp), key);
  }

  async function passwordTokens(key: DpopKey): Promise<oauth.TokenEndpointResponse> {
    const client: oauth.Client = { client_id: web.client_id };
    const DPoP = oauth.DPoP(client, key.pair);
    const response = await oauth.genericTokenEndpointRequest(as, client, oauth.ClientSecretBasic(web.client_secret!), 'password', { username: 'alice', password: PASSWORD, scope: 'openid profile' }, { ...insecure, DPoP });
    return oauth.processGenericTokenEndpointResponse(as, client, response);
  }

  /** GET /oauth2/userinfo with these headers: status, body, and the headers RFC 9449 answers with. */
  async function userinfo(headers: Record<string, string>, method = 'GET') {
    const response = await fetch(`${server.url}/oauth2/userinfo`, { method, headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, challenge: response.headers.get('www-authenticate') };
  }

  it('advertises the proof algorithms (RFC 9449 §5.1): asymmetric only', () => {
    expect(as.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256', 'PS256', 'EdDSA']));
    expect(as.dpop_signing_alg_values_supported).not.toContain('HS256');
    expect(as.dpop_signing_alg_values_supported).not.toContain('none');
  });

  it('binds a client_credentials token to the proof key: token_type DPoP, cnf.jkt, introspected so (RFC 9449 §5, §6)', async () => {
    const key = await dpopKey();
    const tokens = await clientCredentials(key);
    expect(tokens.token_type).toBe('dpop');
    expect(claimsOf(tokens.access_token).cnf).toEqual({ jkt: key.jkt });
    const introspected = await fetch(`${server.url}/oauth2/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...serviceAuth() }, body: new URLSearchParams({ token: tokens.access_token }) });
    expect(await introspected.json()).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
    // Without a proof the same client gets a bearer token, as before.
    expect((await token({ grant_type: 'client_credentials' }, serviceAuth())).body).toMatchObject({ token_type: 'Bearer' });
  });

  it('binds opaque tokens too (the cnf column)', async () => {
    const opaque = await createClient(server, { grant_types: ['client_credentials'], scope: 'read', access_token_format: 'opaque' });
    const key = await dpopKey();
    const answer = await token({ grant_type: 'client_credentials' }, { authorization: basic(opaque.client_id, opaque.client_secret!), dpop: await proof(key, { htm: 'POST', htu: `${server.url}/oauth2/token` }) });
    expect(answer.body).toMatchObject({ token_type: 'DPoP' });
    const introspected = await fetch(`${server.url}/oauth2/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(opaque.client_id, opaque.client_secret!) }, body: new URLSearchParams({ token: answer.body.access_token as string }) });
    expect(await introspected.json()).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
  });

  describe('the token endpoint refuses a bad proof with 400 invalid_dpop_proof (RFC 9449 §4.3, §5)', () => {
    const htu = () => `${server.url}/oauth2/token`;
    const cases: [string, (key: DpopKey) => Promise<string | string[]>][] = [
      ['another method', (key) => proof(key, { htm: 'GET', htu: htu() })],
      ['another URL', (key) => proof(key, { htm: 'POST', htu: `${server.url}/oauth2/userinfo` })],
      ['an old iat', (key) => proof(key, { htm: 'POST', htu: htu(), iat: Math.floor(Date.now() / 1000) - 120 })],
      ['an iat in the future', (key) => proof(key, { htm: 'POST', htu: htu(), iat: Math.floor(Date.now() / 1000) + 120 })],
      ['no jti', (key) => proof(key, { htm: 'POST', htu: htu(), jti: undefined })],
      ['another typ', (key) => proof(key, { htm: 'POST', htu: htu() }, { typ: 'JWT' })],
      ['a private key in jwk', async (key) => proof(key, { htm: 'POST', htu: htu() }, { jwk: { ...key.jwk, d: 'AAAA' } })],
      ['a jwk that did not sign it', async (key) => proof(key, { htm: 'POST', htu: htu() }, { jwk: (await dpopKey()).jwk })],
      ['two DPoP headers', async (key) => [await proof(key, { htm: 'POST', htu: htu() }), await proof(key, { htm: 'POST', htu: htu() })]],
    ];
    it.each(cases)('%s', async (_name, make) => {
      const key = await dpopKey();
      const value = await make(key);
      const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', ...serviceAuth() });
      for (const item of ([] as string[]).concat(value)) headers.append('dpop', item);
      const response = await fetch(`${server.url}/oauth2/token`, { method: 'POST', headers, body: 'grant_type=client_credentials' });
      expect({ status: response.status, body: await response.json() }).toEqual({ status: 400, body: INVALID_PROOF });
    });

    it('accepts htu with another case of scheme and host, the default port spelled out, a query and a fragment (§4.3 (9))', async () => {
      const key = await dpopKey();
      const url = new URL(`${server.url}/oauth2/token`);
      const htuVariant = `HTTP://${url.hostname.toUpperCase()}:${url.port}/oauth2/token?x=1#f`;
      const answer = await token({ grant_type: 'client_credentials' }, { ...serviceAuth(), dpop: await proof(key, { htm: 'POST', htu: htuVariant }) });
      expect(answer).toMatchObject({ status: 200, body: { token_type: 'DPoP' } });
    });

    it('refuses a proof used before, and burns none on a refused request', async () => {
      const key = await dpopKey();
      const once = await proof(key, { htm: 'POST', htu: htu() });
      // A request refused for something else (an unknown scope) consumes nothing.
      expect((await token({ grant_type: 'client_credentials', scope: 'nope' }, { ...serviceAuth(), dpop: once })).body).toMatchObject({ error: 'invalid_scope' });
      expect((await token({ grant_type: 'client_credentials' }, { ...serviceAuth(), dpop: once })).status).toBe(200);
      expect(await token({ grant_type: 'client_credentials' }, { ...serviceAuth(), dpop: once })).toMatchObject({ status: 400, body: INVALID_PROOF });
    });

    it('a client with dpop_bound_access_tokens must send a proof (§5.2)', async () => {
      const bound = await createClient(server, { grant_types: ['client_credentials'], scope: 'read', dpop_bound_access_tokens: true });
      expect(bound.dpop_bound_access_tokens).toBe(true);
      const auth = { authorization: basic(bound.client_id, bound.client_secret!) };
      expect(await token({ grant_type: 'client_credentials' }, auth)).toMatchObject({ status: 400, body: INVALID_PROOF });
      expect((await token({ grant_type: 'client_credentials' }, { ...auth, dpop: await proof(await dpopKey(), { htm: 'POST', htu: htu() }) })).body).toMatchObject({ token_type: 'DPoP' });
    });
  });

  it('20 concurrent uses of one proof: one token (a single INSERT decides)', async () => {
    const key = await dpopKey();
    const once = await proof(key, { htm: 'POST', htu: `${server.url}/oauth2/token` });
    const answers = await Promise.all(Array.from({ length: 20 }, () => token({ grant_type: 'client_credentials' }, { ...serviceAuth(), dpop: once })));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 400 && answer.body.error === 'invalid_dpop_proof')).toHaveLength(19);
  });

  describe('userinfo (RFC 9449 §7)', () => {
    it('accepts a DPoP-bound token with a fresh proof of each request (oauth4webapi)', async () => {
      const key = await dpopKey();
      const tokens = await passwordTokens(key);
      const client: oauth.Client = { client_id: web.client_id };
      const DPoP = oauth.DPoP(client, key.pair);
      for (let i = 0; i < 2; i++) {
        const response = await oauth.userInfoRequest(as, client, tokens.access_token, { ...insecure, DPoP });
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ name: 'Alice A' });
      }
    });

    it('refuses it as a Bearer token, without a proof, with a replayed proof, and with a proof for another key, method or URL', async () => {
      const key = await dpopKey();
      const { access_token: accessToken } = await passwordTokens(key);
      const url = `${server.url}/oauth2/userinfo`;
      const ath = accessTokenHash(accessToken);
      const dpop = (headers: Record<string, string>) => ({ authorization: `DPoP ${accessToken}`, ...headers });

      const bearer = await userinfo({ authorization: `Bearer ${accessToken}` });
      expect(bearer).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
      expect(bearer.challenge).toMatch(/^Bearer realm="grantry", error="invalid_token".*, DPoP realm="grantry", error="invalid_token".*algs="ES256 /);

      const missing = await userinfo(dpop({}));
      expect(missing).toMatchObject({ status: 401, body: INVALID_PROOF });
      expect(missing.challenge).toMatch(/^DPoP realm="grantry", error="invalid_dpop_proof", error_description="the DPoP proof is invalid", algs="ES256 /);

      const once = await proof(key, { htm: 'GET', htu: url, ath });
      expect((await userinfo(dpop({ dpop: once }))).status).toBe(200);
      expect(await userinfo(dpop({ dpop: once }))).toMatchObject({ status: 401, body: INVALID_PROOF });

      const otherKey = await userinfo(dpop({ dpop: await proof(await dpopKey(), { htm: 'GET', htu: url, ath }) }));
      expect(otherKey).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
      expect(await userinfo(dpop({ dpop: await proof(key, { htm: 'POST', htu: url, ath }) }))).toMatchObject({ status: 401, body: INVALID_PROOF });
      expect(await userinfo(dpop({ dpop: await proof(key, { htm: 'GET', htu: `${server.url}/oauth2/token`, ath }) }))).toMatchObject({ status: 401, body: INVALID_PROOF });
      expect(await userinfo(dpop({ dpop: await proof(key, { htm: 'GET', htu: url }) }))).toMatchObject({ status: 401, body: INVALID_PROOF });
      expect(await userinfo(dpop({ dpop: await proof(key, { htm: 'GET', htu: url, ath: accessTokenHash('another') }) }))).toMatchObject({ status: 401, body: INVALID_PROOF });
    });

    it('refuses a bearer token sent with the DPoP scheme', async () => {
      const bearer = await passwordTokens(await dpopKey()).then(() => token({ grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'openid' }, { authorization: basic(web.client_id, web.client_secret!) }));
      const accessToken = bearer.body.access_token as string;
      const key = await dpopKey();
      const answer = await userinfo({ authorization: `DPoP ${accessToken}`, dpop: await proof(key, { htm: 'GET', htu: `${server.url}/oauth2/userinfo`, ath: accessTokenHash(accessToken) }) });
      expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    });
  });

  it('the admin API takes a DPoP-bound admin token with a proof of each request, and refuses it as a Bearer token', async () => {
    const admin = await createClient(server, { grant_types: ['client_credentials'], scope: 'admin' });
    const key = await dpopKey();
    const issued = await token({ grant_type: 'client_credentials', scope: 'admin' }, { authorization: basic(admin.client_id, admin.client_secret!), dpop: await proof(key, { htm: 'POST', htu: `${server.url}/oauth2/token` }) });
    const accessToken = issued.body.access_token as string;
    const url = `${server.url}/api/admin/v1/clients`;
    const once = await proof(key, { htm: 'GET', htu: url, ath: accessTokenHash(accessToken) });
    expect((await fetch(url, { headers: { authorization: `DPoP ${accessToken}`, dpop: once } })).status).toBe(200);
    expect((await fetch(url, { headers: { authorization: `DPoP ${accessToken}`, dpop: once } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(401);
  });

  describe('the code flow and refresh', () => {
    it('binds the code to dpop_jkt at the authorization endpoint and to the proof at PAR (RFC 9449 §10): only that key redeems it', async () => {
      const key = await dpopKey();
      const other = await dpopKey();
      const cases: [ClientView, () => ReturnType<typeof authorize>][] = [
        [web, () => authorize(web, { dpop_jkt: key.jkt })],
        [web, () => authorize(web, {}, key)],
        [spa, () => authorize(spa, {}, key)],
      ];
      for (const [rp, started] of cases) {
        const landed = await started();
        const auth: Record<string, string> = rp.client_secret ? { authorization: basic(rp.client_id, rp.client_secret) } : {};
        const params = { grant_type: 'authorization_code', code: landed.callback.get('code')!, redirect_uri: REDIRECT, code_verifier: landed.verifier, ...(rp.client_secret ? {} : { client_id: rp.client_id }) };
        const htu = `${server.url}/oauth2/token`;
        expect(await token(params, auth)).toMatchObject({ status: 400, body: INVALID_PROOF });
        expect(await token(params, { ...auth, dpop: await proof(other, { htm: 'POST', htu }) })).toMatchObject({ status: 400, body: INVALID_PROOF });
        const redeemed = await token(params, { ...auth, dpop: await proof(key, { htm: 'POST', htu }) });
        expect(redeemed).toMatchObject({ status: 200, body: { token_type: 'DPoP' } });
        expect(claimsOf(redeemed.body.access_token as string).cnf).toEqual({ jkt: key.jkt });
      }
    });

    it('refuses a PAR whose dpop_jkt names another key than its proof, and a malformed dpop_jkt', async () => {
      const key = await dpopKey();
      const pushed = await fetch(`${server.url}/oauth2/par`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(web.client_id, web.client_secret!), dpop: await proof(key, { htm: 'POST', htu: `${server.url}/oauth2/par` }) },
        body: new URLSearchParams({ response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', dpop_jkt: (await dpopKey()).jkt }),
      });
      expect({ status: pushed.status, body: await pushed.json() }).toEqual({ status: 400, body: INVALID_PROOF });
      const malformed = await fetch(`${server.url}/oauth2/par`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(web.client_id, web.client_secret!) },
        body: new URLSearchParams({ response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', dpop_jkt: 'short' }),
      });
      expect({ status: malformed.status, body: await malformed.json() }).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'dpop_jkt is not a JWK SHA-256 thumbprint' } });
    });

    it('confidential client: DPoP-bound access token; its refresh token is not bound (RFC 9449 §5), so refresh may use another key', async () => {
      const key = await dpopKey();
      const tokens = await codeFlow(web, key);
      expect(tokens.token_type).toBe('dpop');
      expect(claimsOf(tokens.access_token).cnf).toEqual({ jkt: key.jkt });
      const other = await dpopKey();
      const client: oauth.Client = { client_id: web.client_id };
      const response = await oauth.refreshTokenGrantRequest(as, client, oauth.ClientSecretBasic(web.client_secret!), tokens.refresh_token!, { ...insecure, DPoP: oauth.DPoP(client, other.pair) });
      const refreshed = await oauth.processRefreshTokenResponse(as, client, response);
      expect(claimsOf(refreshed.access_token).cnf).toEqual({ jkt: other.jkt });
    });

    it('public client: the refresh token is bound to the key; refresh needs a proof of that key', async () => {
      const key = await dpopKey();
      const tokens = await codeFlow(spa, key);
      expect(claimsOf(tokens.access_token).cnf).toEqual({ jkt: key.jkt });
      const refresh = (headers: Record<string, string>) => token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: spa.client_id }, headers);
      const htu = `${server.url}/oauth2/token`;
      expect(await refresh({})).toMatchObject({ status: 400, body: INVALID_PROOF });
      expect(await refresh({ dpop: await proof(await dpopKey(), { htm: 'POST', htu }) })).toMatchObject({ status: 400, body: INVALID_PROOF });
      // Refused twice, consumed never: the right key still refreshes, through oauth4webapi.
      const client: oauth.Client = { client_id: spa.client_id };
      const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, { ...insecure, DPoP: oauth.DPoP(client, key.pair) });
      const refreshed = await oauth.processRefreshTokenResponse(as, client, response);
      expect(claimsOf(refreshed.access_token).cnf).toEqual({ jkt: key.jkt });
      const userinfoResponse = await oauth.userInfoRequest(as, client, refreshed.access_token, { ...insecure, DPoP: oauth.DPoP(client, key.pair) });
      expect(userinfoResponse.status).toBe(200);
    });
  });
});

describe('DPoP nonces ([oauth.dpop] require_nonce, RFC 9449 §8)', () => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  let service: ClientView;

  beforeAll(async () => {
    server = await startServer({ ...FAST_SCRYPT, oauth: { dpop: { require_nonce: true }, grant_type: { password: { enable: true } } } });
    as = await oauth.processDiscoveryResponse(new URL(server.url), await oauth.discoveryRequest(new URL(server.url), insecure));
    service = await createClient(server, { grant_types: ['client_credentials', 'password'], scope: 'read openid' });
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD, claims: { name: 'Alice A' } }, true));
  });
  afterAll(() => stopServer(server));

  it('answers a proof without a nonce use_dpop_nonce with a DPoP-Nonce; oauth4webapi retries with it', async () => {
    const key = await dpopKey();
    const client: oauth.Client = { client_id: service.client_id };
    const DPoP = oauth.DPoP(client, key.pair);
    const request = () => oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(service.client_secret!), {}, { ...insecure, DPoP });
    const first = await request();
    expect(first.status).toBe(400);
    expect(first.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const refused = await oauth.processClientCredentialsResponse(as, client, first).catch((error: unknown) => error);
    expect(oauth.isDPoPNonceError(refused)).toBe(true);
    const tokens = await oauth.processClientCredentialsResponse(as, client, await request());
    expect(tokens.token_type).toBe('dpop');
  });

  it('refuses a stale or made-up nonce with use_dpop_nonce', async () => {
    const key = await dpopKey();
    const answer = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(service.client_id, service.client_secret!), dpop: await proof(key, { htm: 'POST', htu: `${server.url}/oauth2/token`, nonce: 'A'.repeat(43) }) });
    expect(answer).toMatchObject({ status: 400, body: { error: 'use_dpop_nonce' } });
    expect(answer.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('userinfo: a proof without the nonce or with a stale one is 401 use_dpop_nonce with a DPoP-Nonce; oauth4webapi retries with it', async () => {
    const key = await dpopKey();
    const client: oauth.Client = { client_id: service.client_id };
    const DPoP = oauth.DPoP(client, key.pair);
    const tokenRequest = () => oauth.genericTokenEndpointRequest(as, client, oauth.ClientSecretBasic(service.client_secret!), 'password', { username: 'alice', password: PASSWORD, scope: 'openid' }, { ...insecure, DPoP });
    // The token endpoint hands out the first nonce (use_dpop_nonce), then the token.
    await oauth.processGenericTokenEndpointResponse(as, client, await tokenRequest()).catch((error: unknown) => expect(oauth.isDPoPNonceError(error)).toBe(true));
    const { access_token: accessToken } = await oauth.processGenericTokenEndpointResponse(as, client, await tokenRequest());
    const url = `${server.url}/oauth2/userinfo`;
    for (const nonce of [undefined, 'A'.repeat(43)]) {
      const response = await fetch(url, { headers: { authorization: `DPoP ${accessToken}`, dpop: await proof(key, { htm: 'GET', htu: url, ath: accessTokenHash(accessToken), nonce }) } });
      expect({ status: response.status, body: await response.json() }).toEqual({ status: 401, body: { error: 'use_dpop_nonce', error_description: 'a DPoP nonce is required' } });
      expect(response.headers.get('www-authenticate')).toMatch(/^DPoP realm="grantry", error="use_dpop_nonce", error_description="a DPoP nonce is required", algs="/);
      expect(response.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    // oauth4webapi took the nonce of the token endpoint's answer: the same server nonce serves userinfo.
    const answer = await oauth.userInfoRequest(as, client, accessToken, { ...insecure, DPoP });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('lets the client\'s origin read the DPoP-Nonce of a token endpoint answer (CORS)', async () => {
    const spa = await createClient(server, { grant_types: ['client_credentials'], scope: 'read', allowed_cors_origins: ['https://app.example'] });
    const answer = await tokenRequest(server, { grant_type: 'client_credentials' }, { origin: 'https://app.example', authorization: basic(spa.client_id, spa.client_secret!), dpop: await proof(await dpopKey(), { htm: 'POST', htu: `${server.url}/oauth2/token` }) });
    expect(answer.body).toMatchObject({ error: 'use_dpop_nonce' });
    expect({ origin: answer.headers.get('access-control-allow-origin'), expose: answer.headers.get('access-control-expose-headers'), nonce: answer.headers.get('dpop-nonce') }).toEqual({
      origin: 'https://app.example', expose: 'DPoP-Nonce', nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
  });
});
