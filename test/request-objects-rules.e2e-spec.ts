import { createHash, randomUUID } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import type { ClientView } from '../src/clients/clients.service';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { adminCall } from './support/admin-api';
import { keyPair, signAssertion, SigningKeyPair } from './support/assertions';
import { TestBrowser } from './support/browser';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const REDIRECT = 'https://rp.example/callback';
const PASSWORD = 'correct horse battery';
const VERIFIER = 'v'.repeat(43);
const s256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const now = () => Math.floor(Date.now() / 1000);

/**
 * Request objects, the rules beyond the first cut (issue 27): `exp` optional under `baseline`
 * (OIDC Core §6.1) but checked when present; HS256/384/512 objects keyed with the client secret
 * (OIDC Core §6.1, §10.1) for clients that have one; a signed object's `jti` single-use, recorded
 * in the replay store by the commit that issues the code (of 20 concurrent uses, one gets a code).
 */
describe('request objects: exp, HMAC and jti', () => {
  let server: TestServer;
  let key: SigningKeyPair;
  let rp: ClientView;

  beforeAll(async () => {
    server = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 } });
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD }, true));
    key = await keyPair('ES256');
    rp = await createClient(server, {
      client_name: 'JAR RP', grant_types: ['authorization_code'], token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] }, redirect_uris: [REDIRECT], scope: 'openid', request_object_signing_alg: 'ES256',
    });
  });
  afterAll(() => stopServer(server));

  const claimsFor = (client: ClientView, extra: Record<string, unknown> = {}) => ({
    iss: client.client_id, aud: server.url, client_id: client.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid',
    state: `st-${randomUUID()}`, code_challenge: s256(VERIFIER), code_challenge_method: 'S256', ...extra,
  });
  const authorize = (client: ClientView, request: string) =>
    `${server.url}/oauth2/authorize?${new URLSearchParams({ client_id: client.client_id, response_type: 'code', scope: 'openid', request })}`;
  /** The parameters at the redirect URI (a 303 to it). */
  async function answer(browser: TestBrowser, url: string): Promise<Record<string, string>> {
    const reply = await browser.request(url);
    expect([reply.status, reply.location?.startsWith(REDIRECT)]).toEqual([303, true]);
    return Object.fromEntries(new URL(reply.location!).searchParams);
  }
  /** A browser signed in as alice, with consent given to `client` (through a plain request). */
  async function signedIn(client: ClientView): Promise<TestBrowser> {
    const browser = new TestBrowser(server.url);
    const plain = `${server.url}/oauth2/authorize?${new URLSearchParams({ client_id: client.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge: s256(VERIFIER), code_challenge_method: 'S256' })}`;
    const login = await browser.follow(plain);
    let page = await browser.submit(login, { username: 'alice', password: PASSWORD });
    if (!page.location?.startsWith(REDIRECT)) page = await browser.submit(page, { decision: 'approve' });
    expect(new URL(page.location!).searchParams.get('code')).toEqual(expect.any(String));
    return browser;
  }

  describe('exp (OIDC Core §6.1: optional under baseline, checked when present)', () => {
    it('takes a signed object without exp', async () => {
      const claims = claimsFor(rp, { prompt: 'none' });
      const jwt = await signAssertion(key, { ...claims, exp: undefined });
      expect(await answer(new TestBrowser(server.url), authorize(rp, jwt))).toMatchObject({ error: 'login_required', state: claims.state });
    });

    it.each([
      ['expired', { iat: now() - 600, exp: now() - 300 }, 'assertion has expired'],
      ['not valid before a time to come (nbf)', { nbf: now() + 600 }, 'assertion is not yet valid (nbf)'],
      ['issued in the future (iat)', { iat: now() + 600, exp: now() + 900 }, 'assertion iat is in the future'],
      ['without exp, issued longer than max_lifetime ago', { iat: now() - 3700, exp: undefined }, 'assertion was issued too long ago (iat older than [oauth.request_object] max_lifetime = 3600 s)'],
      ['living longer than max_lifetime', { exp: now() + 7200 }, 'assertion lifetime exceeds [oauth.request_object] max_lifetime = 3600 s'],
      // It would never grow old, and its jti could not be kept as long as it stays usable.
      ['with neither exp nor iat', { iat: undefined, exp: undefined }, 'a signed request object needs exp or iat'],
    ])('refuses an object %s', async (_, times, description) => {
      const jwt = await signAssertion(key, claimsFor(rp, { ...times, redirect_uri: REDIRECT }));
      expect(await answer(new TestBrowser(server.url), `${authorize(rp, jwt)}&redirect_uri=${encodeURIComponent(REDIRECT)}`)).toMatchObject({ error: 'invalid_request_object', error_description: description });
    });
  });

  it('under fapi2-security an object without exp is refused (FAPI 2 Message Signing §5.3.1), with one taken', async () => {
    const fapi = await startServer({ oauth: { profile: { name: 'fapi2-security' } } });
    try {
      const fapiRp = await createClient(fapi, {
        client_name: 'FAPI RP', grant_types: ['authorization_code'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, redirect_uris: [REDIRECT], scope: 'openid',
      });
      const fapiAs = await oauth.processDiscoveryResponse(new URL(fapi.url), await oauth.discoveryRequest(new URL(fapi.url), { [oauth.allowInsecureRequests]: true }));
      const push = (object: string) =>
        oauth.pushedAuthorizationRequest(fapiAs, { client_id: fapiRp.client_id }, oauth.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }), { client_id: fapiRp.client_id, request: object }, { [oauth.allowInsecureRequests]: true });
      const claims = { ...claimsFor(fapiRp), aud: fapi.url };
      const without = await push(await signAssertion(key, { ...claims, exp: undefined }));
      expect([without.status, await without.json()]).toEqual([400, { error: 'invalid_request_object', error_description: 'assertion has no numeric exp claim' }]);
      expect((await push(await signAssertion(key, claims))).status).toBe(201);
    } finally {
      await stopServer(fapi);
    }
  });

  describe('HS256/HS384/HS512 with the client secret (OIDC Core §10.1)', () => {
    it('advertises the HMAC algs in discovery', async () => {
      const metadata = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
      expect(metadata.request_object_signing_alg_values_supported).toEqual(expect.arrayContaining(['HS256', 'HS384', 'HS512', 'ES256', 'none']));
    });

    it('takes an object signed with the secret of a client_secret_basic client registered for HS256, through to tokens', async () => {
      const secretRp = await createClient(server, { client_name: 'HMAC RP', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid', request_object_signing_alg: 'HS256' });
      const browser = await signedIn(secretRp);
      const claims = claimsFor(secretRp, { nonce: 'n' });
      const jwt = await signAssertion({ privateKey: new TextEncoder().encode(secretRp.client_secret!), alg: 'HS256' }, claims);
      const back = await answer(browser, authorize(secretRp, jwt));
      expect(back).toMatchObject({ code: expect.any(String), state: claims.state });
      const tokens = await tokenRequest(server, { grant_type: 'authorization_code', code: back.code, redirect_uri: REDIRECT, code_verifier: VERIFIER }, { authorization: basic(secretRp.client_id, secretRp.client_secret!) });
      expect(tokens.status).toBe(200);
      // Another alg than the registered one, or another secret: refused.
      const hs512 = await signAssertion({ privateKey: new TextEncoder().encode(secretRp.client_secret!), alg: 'HS512' }, claimsFor(secretRp));
      expect((await answer(browser, `${authorize(secretRp, hs512)}&redirect_uri=${encodeURIComponent(REDIRECT)}`)).error).toBe('invalid_request_object');
      const forged = await signAssertion({ privateKey: new TextEncoder().encode('not-the-secret-but-long-enough-0123456789'), alg: 'HS256' }, claimsFor(secretRp));
      expect(await answer(browser, `${authorize(secretRp, forged)}&redirect_uri=${encodeURIComponent(REDIRECT)}`)).toMatchObject({
        error: 'invalid_request_object', error_description: 'the request object is invalid or its signature does not verify',
      });
    });

    it('takes one from a client_secret_jwt client registered without an alg, and refuses one from a secret client whose secret is kept only as a digest', async () => {
      const jwtRp = await createClient(server, { client_name: 'secret jwt', grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_jwt', redirect_uris: [REDIRECT], scope: 'openid' });
      const claims = claimsFor(jwtRp, { prompt: 'none' });
      const taken = await signAssertion({ privateKey: new TextEncoder().encode(jwtRp.client_secret!), alg: 'HS384' }, claims);
      expect(await answer(new TestBrowser(server.url), authorize(jwtRp, taken))).toMatchObject({ error: 'login_required', state: claims.state });
      const basicRp = await createClient(server, { client_name: 'basic', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
      const refused = await signAssertion({ privateKey: new TextEncoder().encode(basicRp.client_secret!), alg: 'HS256' }, claimsFor(basicRp, { prompt: 'none' }));
      expect(await answer(new TestBrowser(server.url), `${authorize(basicRp, refused)}&redirect_uri=${encodeURIComponent(REDIRECT)}`)).toMatchObject({
        error: 'invalid_request_object', error_description: 'the request object is invalid or its signature does not verify',
      });
    });

    it('refuses request_object_signing_alg HS256 for a client without a secret (admin API and registration)', async () => {
      const admin = await adminToken(server);
      const refused = await adminCall(server.url, admin, 'POST', '/clients', {
        client_name: 'pk', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, request_object_signing_alg: 'HS256',
      });
      expect(refused.body).toEqual({
        error: 'invalid_client_metadata',
        error_description: 'request_object_signing_alg HS256 needs a client secret (token_endpoint_auth_method client_secret_basic, client_secret_post or client_secret_jwt)',
      });
      const open = await startServer({ oauth: { registration: { open: true } } });
      try {
        const register = (body: object) => fetch(`${open.url}/oauth2/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const none = await register({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', request_object_signing_alg: 'HS256' });
        expect(none.status).toBe(400);
        expect(await none.json()).toMatchObject({ error: 'invalid_client_metadata' });
        const ok = await register({ redirect_uris: [REDIRECT], request_object_signing_alg: 'HS512' });
        expect(ok.status).toBe(201);
        expect(await ok.json()).toMatchObject({ request_object_signing_alg: 'HS512', client_secret: expect.any(String) });
      } finally {
        await stopServer(open);
      }
    });

    it('an administrator moving a client_secret_basic client to HS256 issues a new secret (only a digest of the old one was kept)', async () => {
      const admin = await adminToken(server);
      const client = await createClient(server, { client_name: 'moved', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
      const moved = await adminCall(server.url, admin, 'PATCH', `/clients/${client.client_id}`, { request_object_signing_alg: 'HS256' });
      expect(moved.status).toBe(200);
      const secret = (moved.body as { client_secret?: string }).client_secret;
      expect(secret).toEqual(expect.any(String));
      expect(secret).not.toBe(client.client_secret);
      const claims = claimsFor(client, { prompt: 'none' });
      const jwt = await signAssertion({ privateKey: new TextEncoder().encode(secret!), alg: 'HS256' }, claims);
      expect(await answer(new TestBrowser(server.url), authorize(client, jwt))).toMatchObject({ error: 'login_required', state: claims.state });
    });
  });

  describe('jti: single use', () => {
    it('is used up by the code, not by a refused request: a login_required answer leaves it usable, a second code is refused', async () => {
      const claims = claimsFor(rp, { jti: randomUUID() });
      const jwt = await signAssertion(key, claims);
      // prompt=none without a session: refused before anything is issued, the jti still unused.
      const noneJwt = await signAssertion(key, { ...claims, prompt: 'none' });
      expect((await answer(new TestBrowser(server.url), authorize(rp, noneJwt))).error).toBe('login_required');
      const browser = await signedIn(rp);
      expect(await answer(browser, authorize(rp, noneJwt))).toMatchObject({ code: expect.any(String), state: claims.state });
      // The same jti in another object of the client (here: without prompt) is the one already used.
      expect(await answer(browser, authorize(rp, jwt))).toEqual({
        error: 'invalid_request_object', error_description: 'the request object has been used already (jti)', state: claims.state, iss: server.url,
      });
    });

    it('20 concurrent uses of one object by a signed-in browser: one code, 19 invalid_request_object at the redirect URI', async () => {
      const browser = await signedIn(rp);
      const claims = claimsFor(rp, { jti: randomUUID() });
      const url = authorize(rp, await signAssertion(key, claims));
      const answers = await Promise.all(Array.from({ length: 20 }, () => answer(browser, url)));
      expect(answers.filter((params) => params.code)).toHaveLength(1);
      const refused = answers.filter((params) => params.error === 'invalid_request_object');
      expect(refused).toHaveLength(19);
      for (const params of refused) expect(params).toEqual({ error: 'invalid_request_object', error_description: 'the request object has been used already (jti)', state: claims.state, iss: server.url });
    });

    it('keeps jtis apart per client (the namespace is the client_id)', async () => {
      const other = await createClient(server, {
        client_name: 'Other JAR RP', grant_types: ['authorization_code'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, redirect_uris: [REDIRECT], scope: 'openid',
      });
      const jti = randomUUID();
      const browser = await signedIn(rp);
      expect((await answer(browser, authorize(rp, await signAssertion(key, claimsFor(rp, { jti }))))).code).toEqual(expect.any(String));
      const otherBrowser = await signedIn(other);
      expect((await answer(otherBrowser, authorize(other, await signAssertion(key, claimsFor(other, { jti }))))).code).toEqual(expect.any(String));
    });
  });
});
