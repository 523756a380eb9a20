import * as oauth from 'oauth4webapi';
import type { ClientView } from '../src/clients/clients.service';
import { parseTenantInput } from '../src/tenants/tenant-input';
import { TenantsService } from '../src/tenants/tenants.service';
import { parseUserInput } from '../src/users/user-input';
import { UsersService } from '../src/users/users.service';
import { keyPair, signAssertion } from './support/assertions';
import { TestBrowser } from './support/browser';
import { createClient, startServer, stopServer, TEST_ACTOR, TestServer } from './support/server';
import { inTenant } from './support/tenants';

const REDIRECT = 'https://rp.example/callback';
const PASSWORD = 'correct horse battery';
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

/**
 * Issue 29 acceptance: a relying party on oauth4webapi through whole FAPI 2 flows, in a tenant of
 * each profile — fapi2-security (PAR, PKCE S256, private_key_jwt with the issuer as audience, DPoP
 * with server nonces, refresh without rotation) and fapi2-message-signing (the same with a signed
 * request object, a JARM response and an RFC 9701 introspection response, each verified by the
 * client) — and the profiles' refusals on the way.
 */
describe('FAPI 2 flows with oauth4webapi', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 } });
    for (const [domain, name] of [['sp.example', 'fapi2-security'], ['ms.example', 'fapi2-message-signing']] as const) {
      await server.app.get(TenantsService).create(parseTenantInput({ domain, display_name: domain, settings: { oauth: { profile: { name } } } }), TEST_ACTOR);
      await inTenant(server, domain, () => server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD }, true)));
    }
  });
  afterAll(() => stopServer(server));

  /** A tenant's issuer as oauth4webapi discovers it, and a private_key_jwt client of it. */
  async function party(domain: string, extra: Record<string, unknown> = {}) {
    const issuer = `${server.url}/t/${domain}`;
    const as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), insecure));
    const key = await keyPair('ES256');
    const view = await inTenant(server, domain, () =>
      createClient(server, { client_name: 'bank app', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [REDIRECT], scope: 'openid accounts', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, ...extra }),
    );
    const client: oauth.Client = { client_id: view.client_id };
    const dpopPair = await oauth.generateKeyPair('ES256');
    return { issuer, as, key, view, client, auth: oauth.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }), DPoP: oauth.DPoP(client, dpopPair) };
  }
  type Party = Awaited<ReturnType<typeof party>>;

  /** oauth4webapi's documented nonce dance (RFC 9449 §8): the first answer is use_dpop_nonce, the retry carries the nonce. */
  async function withNonce<T>(send: () => Promise<Response>, process: (response: Response) => Promise<T>): Promise<T> {
    try {
      return await process(await send());
    } catch (error) {
      if (!oauth.isDPoPNonceError(error)) throw error;
      return process(await send());
    }
  }

  async function signIn(url: string): Promise<URL> {
    const browser = new TestBrowser(server.url);
    const login = await browser.follow(url);
    let page = await browser.submit(login, { username: 'alice', password: PASSWORD });
    if (page.html.includes('value="approve"')) page = await browser.submit(page, { decision: 'approve' });
    return new URL(page.location!);
  }

  it('fapi2-security: PAR + PKCE + private_key_jwt + DPoP, userinfo with a proof, refresh without rotation', async () => {
    const p = await party('sp.example');
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const params = new URLSearchParams({ client_id: p.view.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid accounts', state, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const pushed = await withNonce(
      () => oauth.pushedAuthorizationRequest(p.as, p.client, p.auth, params, { ...insecure, DPoP: p.DPoP }),
      (response) => oauth.processPushedAuthorizationResponse(p.as, p.client, response),
    );
    const back = await signIn(`${p.issuer}/oauth2/authorize?${new URLSearchParams({ client_id: p.view.client_id, request_uri: pushed.request_uri })}`);
    const callback = oauth.validateAuthResponse(p.as, p.client, back, state); // iss is required and checked (RFC 9207)
    const tokens = await withNonce(
      () => oauth.authorizationCodeGrantRequest(p.as, p.client, p.auth, callback, REDIRECT, verifier, { ...insecure, DPoP: p.DPoP }),
      (response) => oauth.processAuthorizationCodeResponse(p.as, p.client, response),
    );
    expect(tokens.token_type).toBe('dpop');
    expect(payloadOf(tokens.access_token).cnf).toEqual({ jkt: expect.any(String) });
    const userinfo = await withNonce(
      () => oauth.userInfoRequest(p.as, p.client, tokens.access_token, { ...insecure, DPoP: p.DPoP }),
      (response) => oauth.processUserInfoResponse(p.as, p.client, oauth.getValidatedIdTokenClaims(tokens)!.sub, response),
    );
    expect(userinfo.sub).toBe(oauth.getValidatedIdTokenClaims(tokens)!.sub);
    // FAPI 2.0 SP §5.3.2.1: a confidential client's refresh token is not rotated — usable again, no successor.
    for (let i = 0; i < 2; i++) {
      const refreshed = await withNonce(
        () => oauth.refreshTokenGrantRequest(p.as, p.client, p.auth, tokens.refresh_token!, { ...insecure, DPoP: p.DPoP }),
        (response) => oauth.processRefreshTokenResponse(p.as, p.client, response),
      );
      expect(refreshed.token_type).toBe('dpop');
      expect(refreshed.refresh_token).toBeUndefined();
    }
  });

  it('fapi2-security refuses, at PAR: PKCE plain or missing; at the authorization endpoint: implicit; at registration: a public client', async () => {
    const p = await party('sp.example');
    const push = (extra: Record<string, string>) =>
      withNonce(
        () => oauth.pushedAuthorizationRequest(p.as, p.client, p.auth, new URLSearchParams({ client_id: p.view.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', ...extra }), { ...insecure, DPoP: p.DPoP }),
        (response) => oauth.processPushedAuthorizationResponse(p.as, p.client, response),
      ).catch((error: unknown) => error as oauth.ResponseBodyError);
    expect(await push({})).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/code_challenge/) });
    expect(await push({ code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'plain' })).toMatchObject({ error: 'invalid_request' });
    expect(await push({ response_type: 'token', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })).toMatchObject({ error: 'unsupported_response_type' });
    await expect(inTenant(server, 'sp.example', () => createClient(server, { grant_types: ['authorization_code'], redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }))).rejects.toMatchObject({ code: 'invalid_client_metadata' });
  });

  describe('fapi2-message-signing', () => {
    let p: Party;
    beforeAll(async () => {
      p = await party('ms.example', { request_object_signing_alg: 'ES256', authorization_signed_response_alg: 'RS256', introspection_signed_response_alg: 'RS256' });
    });

    /** A request object signed with the client's key (RFC 9101 §4): `undefined` in `claims` leaves a claim out. */
    const requestObject = (claims: Record<string, unknown>) => {
      const now = Math.floor(Date.now() / 1000);
      return signAssertion(p.key, { iss: p.view.client_id, aud: p.issuer, client_id: p.view.client_id, nbf: now, ...claims }, { typ: 'oauth-authz-req+jwt' });
    };
    const push = (params: Record<string, string>) =>
      withNonce(
        () => oauth.pushedAuthorizationRequest(p.as, p.client, p.auth, new URLSearchParams({ client_id: p.view.client_id, ...params }), { ...insecure, DPoP: p.DPoP }),
        (response) => oauth.processPushedAuthorizationResponse(p.as, p.client, response),
      );

    it('advertises signed request objects and JWT responses only', () => {
      expect(p.as.require_signed_request_object).toBe(true);
      expect(p.as.response_modes_supported).toEqual(['jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt']);
      expect(p.as.require_pushed_authorization_requests).toBe(true);
    });

    it('a pushed signed request object, a JARM response the client verifies, DPoP-bound tokens, a signed introspection response', async () => {
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const request = await requestObject({
        response_type: 'code', redirect_uri: REDIRECT, scope: 'openid accounts', state, nonce: 'n1',
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      const pushed = await push({ request });
      const back = await signIn(`${p.issuer}/oauth2/authorize?${new URLSearchParams({ client_id: p.view.client_id, request_uri: pushed.request_uri })}`);
      expect(back.searchParams.get('code')).toBeNull(); // only the signed response
      const params = await oauth.validateJwtAuthResponse(p.as, p.client, back, state, insecure);
      // RFC 9449 §10.1: the proof at PAR bound the code to its key, the request object notwithstanding.
      const otherKey = oauth.DPoP(p.client, await oauth.generateKeyPair('ES256'));
      await expect(withNonce(
        () => oauth.authorizationCodeGrantRequest(p.as, p.client, p.auth, params, REDIRECT, verifier, { ...insecure, DPoP: otherKey }),
        (response) => oauth.processAuthorizationCodeResponse(p.as, p.client, response, { expectedNonce: 'n1' }),
      )).rejects.toMatchObject({ error: 'invalid_dpop_proof' });
      const tokens = await withNonce(
        () => oauth.authorizationCodeGrantRequest(p.as, p.client, p.auth, params, REDIRECT, verifier, { ...insecure, DPoP: p.DPoP }),
        (response) => oauth.processAuthorizationCodeResponse(p.as, p.client, response, { expectedNonce: 'n1' }),
      );
      expect(tokens.token_type).toBe('dpop');
      const introspectionClient: oauth.Client = { ...p.client, introspection_signed_response_alg: 'RS256' };
      const introspection = await oauth.introspectionRequest(p.as, introspectionClient, p.auth, tokens.access_token, insecure);
      expect(await oauth.processIntrospectionResponse(p.as, introspectionClient, introspection)).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: expect.any(String) } });
      await oauth.validateApplicationLevelSignature(p.as, introspection, insecure);
    });

    it('refuses a pushed request without a request object, an object without nbf or living past 60 minutes, and a plain response mode', async () => {
      const verifier = oauth.generateRandomCodeVerifier();
      const base = { response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' };
      await expect(push(base)).rejects.toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/signed request object/) });
      const now = Math.floor(Date.now() / 1000);
      await expect(push({ request: await requestObject({ ...base, nbf: undefined }) })).rejects.toMatchObject({ error: 'invalid_request_object', error_description: expect.stringMatching(/nbf/) });
      await expect(push({ request: await requestObject({ ...base, nbf: now - 3700 }) })).rejects.toMatchObject({ error: 'invalid_request_object' });
      await expect(push({ request: await requestObject({ ...base, exp: now + 3700 }) })).rejects.toMatchObject({ error: 'invalid_request_object' });
      await expect(push({ request: await requestObject({ ...base, response_mode: 'query' }) })).rejects.toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/JARM/) });
    });
  });
});
