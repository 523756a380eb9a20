import { compactDecrypt, decodeProtectedHeader, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import * as oauth from 'oauth4webapi';
import type { ClientView } from '../src/clients/clients.service';
import { IssuerContext } from '../src/common/issuer-context';
import { TenantDirectory } from '../src/common/tenant-directory';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { adminCall } from './support/admin-api';
import { keyPair } from './support/assertions';
import { TestBrowser } from './support/browser';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const REDIRECT = 'https://rp.example/callback';
const PASSWORD = 'correct horse battery';
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

/** A client's RSA-OAEP-256 encryption key pair: the public JWK to register, a decrypt function for oauth4webapi. */
async function encryptionKey() {
  const { publicKey, privateKey } = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'enc-1', use: 'enc', alg: 'RSA-OAEP-256' };
  const decrypt = async (jwe: string) => new TextDecoder().decode((await compactDecrypt(jwe, privateKey as CryptoKey)).plaintext);
  return { jwk, decrypt };
}

/**
 * Signed (and encrypted) responses, issue 29 item 3: JARM (response_mode jwt, query.jwt,
 * fragment.jwt, form_post.jwt) for every client, and RFC 9701 JWT introspection responses,
 * verified by oauth4webapi as a relying party and a resource server verify them.
 */
describe('JWT responses: JARM and RFC 9701 introspection', () => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    server = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 }, oauth: { grant_type: { implicit: { enable: true } } } });
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD }, true));
    as = await oauth.processDiscoveryResponse(new URL(server.url), await oauth.discoveryRequest(new URL(server.url), insecure));
  });
  afterAll(() => stopServer(server));

  it('advertises the JWT response modes and the signing and encryption algs', () => {
    expect(as.response_modes_supported).toEqual(['query', 'fragment', 'form_post', 'jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt']);
    expect(as).toMatchObject({
      authorization_signing_alg_values_supported: ['RS256'],
      authorization_encryption_alg_values_supported: expect.arrayContaining(['RSA-OAEP-256']),
      authorization_encryption_enc_values_supported: expect.arrayContaining(['A128CBC-HS256']),
      introspection_signing_alg_values_supported: ['RS256'],
      introspection_encryption_alg_values_supported: expect.arrayContaining(['RSA-OAEP-256', 'ECDH-ES']),
      introspection_encryption_enc_values_supported: expect.arrayContaining(['A256GCM']),
    });
  });

  describe('JARM', () => {
    let rp: ClientView;
    let client: oauth.Client;
    beforeAll(async () => {
      rp = await createClient(server, { client_name: 'JARM RP', grant_types: ['authorization_code', 'implicit'], response_types: ['code', 'code id_token'], redirect_uris: [REDIRECT], scope: 'openid' });
      client = { client_id: rp.client_id };
    });

    async function request(extra: Record<string, string>, target: ClientView = rp) {
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const params = { client_id: target.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra };
      return { verifier, state, url: `${server.url}/oauth2/authorize?${new URLSearchParams(params)}` };
    }
    /** Signs alice in at `url`, consenting if asked: the answer that goes back to the client. */
    async function signIn(url: string) {
      const browser = new TestBrowser(server.url);
      const login = await browser.follow(url);
      let page = await browser.submit(login, { username: 'alice', password: PASSWORD });
      if (page.html.includes('value="approve"')) page = await browser.submit(page, { decision: 'approve' });
      return page;
    }
    async function exchange(target: oauth.Client, auth: oauth.ClientAuth, params: URLSearchParams, verifier: string, expectedNonce?: string) {
      const response = await oauth.authorizationCodeGrantRequest(as, target, auth, params, REDIRECT, verifier, insecure);
      return oauth.processAuthorizationCodeResponse(as, target, response, { requireIdToken: true, expectedNonce });
    }

    it('response_mode=jwt for code is query.jwt: one signed response parameter that validateJwtAuthResponse takes, then tokens', async () => {
      const { verifier, state, url } = await request({ response_mode: 'jwt' });
      const back = new URL((await signIn(url)).location!);
      expect(back.origin + back.pathname).toBe(REDIRECT);
      expect([...back.searchParams.keys()]).toEqual(['response']);
      const jwt = back.searchParams.get('response')!;
      expect(payloadOf(jwt)).toMatchObject({ iss: server.url, aud: rp.client_id, state, code: expect.any(String), exp: expect.any(Number) });
      const params = await oauth.validateJwtAuthResponse(as, client, back, state, insecure);
      await exchange(client, oauth.ClientSecretBasic(rp.client_secret!), params, verifier);
    });

    it('form_post.jwt: the auto-submitting form carries the response JWT', async () => {
      const { verifier, state, url } = await request({ response_mode: 'form_post.jwt' });
      const page = await signIn(url);
      expect(page.status).toBe(200);
      expect(page.html).toContain(`action="${REDIRECT}"`);
      const fields = [...page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((match) => match[1]);
      expect(fields).toEqual(['response']);
      const response = /name="response" value="([^"]+)"/.exec(page.html)![1];
      const params = await oauth.validateJwtAuthResponse(as, client, new URLSearchParams({ response }), state, insecure);
      await exchange(client, oauth.ClientSecretBasic(rp.client_secret!), params, verifier);
    });

    it('response_mode=jwt for code id_token is fragment.jwt, and query.jwt is refused for it unless encrypted (JARM §2.3.1)', async () => {
      const { state, url } = await request({ response_type: 'code id_token', nonce: 'n', response_mode: 'jwt' });
      const back = new URL((await signIn(url)).location!);
      expect(back.search).toBe('');
      const fragment = new URLSearchParams(back.hash.slice(1));
      expect([...fragment.keys()]).toEqual(['response']);
      expect(payloadOf(fragment.get('response')!)).toMatchObject({ state, code: expect.any(String), id_token: expect.any(String) });
      // Refused: the error itself travels as a signed query.jwt response (no token in it).
      const refused = await request({ response_type: 'code id_token', nonce: 'n', response_mode: 'query.jwt' });
      const answer = await new TestBrowser(server.url).request(refused.url);
      await expect(oauth.validateJwtAuthResponse(as, client, new URL(answer.location!), refused.state, insecure)).rejects.toMatchObject({
        error: 'invalid_request',
        error_description: `response_mode query.jwt is not allowed with response_type code id_token unless the client registered authorization_encrypted_response_alg`,
      });
    });

    it('signs errors too: prompt=none without a session is a login_required JWT', async () => {
      const { state, url } = await request({ response_mode: 'query.jwt', prompt: 'none' });
      const answer = await new TestBrowser(server.url).request(url);
      const back = new URL(answer.location!);
      expect([...back.searchParams.keys()]).toEqual(['response']);
      await expect(oauth.validateJwtAuthResponse(as, client, back, state, insecure)).rejects.toMatchObject({ error: 'login_required' });
    });

    it('encrypts to the client when it registered authorization_encrypted_response_alg (a nested JWT), with its registered signing alg', async () => {
      const { jwk, decrypt } = await encryptionKey();
      const admin = await adminToken(server);
      const keyResponse = await adminCall(server.url, admin, 'POST', '/keys', { alg: 'PS256' });
      expect(keyResponse.status).toBe(201);
      const created = await adminCall(server.url, admin, 'POST', '/clients', {
        client_name: 'JARM JWE RP', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid', jwks: { keys: [jwk] },
        authorization_signed_response_alg: 'PS256', authorization_encrypted_response_alg: 'RSA-OAEP-256', authorization_encrypted_response_enc: 'A256GCM',
      });
      expect(created.body).toMatchObject({ authorization_signed_response_alg: 'PS256', authorization_encrypted_response_alg: 'RSA-OAEP-256', authorization_encrypted_response_enc: 'A256GCM' });
      const encRp = created.body as ClientView;
      const encClient: oauth.Client = { client_id: encRp.client_id, authorization_signed_response_alg: 'PS256' };
      const { verifier, state, url } = await request({ response_mode: 'jwt' }, encRp);
      const back = new URL((await signIn(url)).location!);
      const jwe = back.searchParams.get('response')!;
      expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', kid: 'enc-1' });
      expect(decodeProtectedHeader(await decrypt(jwe))).toMatchObject({ alg: 'PS256' });
      // A fresh metadata object: oauth4webapi caches the JWKS per object, fetched before the PS256 key existed.
      const params = await oauth.validateJwtAuthResponse({ ...as }, encClient, back, state, { ...insecure, [oauth.jweDecrypt]: decrypt });
      await exchange(encClient, oauth.ClientSecretBasic(encRp.client_secret!), params, verifier);
    });

    it('message signing end to end: a pushed signed request object (private_key_jwt) answered with a JARM response', async () => {
      const key = await keyPair('ES256');
      const signer = await createClient(server, {
        client_name: 'signing RP', grant_types: ['authorization_code'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] },
        redirect_uris: [REDIRECT], scope: 'openid', request_object_signing_alg: 'ES256', require_pushed_authorization_requests: true,
      });
      const signingClient: oauth.Client = { client_id: signer.client_id };
      const auth = oauth.PrivateKeyJwt({ key: key.privateKey, kid: key.kid });
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const object = await oauth.issueRequestObject(as, signingClient, {
        response_type: 'code', response_mode: 'jwt', redirect_uri: REDIRECT, scope: 'openid', state, nonce: 'n',
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      }, { key: key.privateKey, kid: key.kid });
      const pushed = await oauth.processPushedAuthorizationResponse(as, signingClient, await oauth.pushedAuthorizationRequest(as, signingClient, auth, { client_id: signer.client_id, request: object }, insecure));
      const back = new URL((await signIn(`${server.url}/oauth2/authorize?${new URLSearchParams({ client_id: signer.client_id, request_uri: pushed.request_uri })}`)).location!);
      const params = await oauth.validateJwtAuthResponse(as, signingClient, back, state, insecure);
      const tokens = await exchange(signingClient, auth, params, verifier, 'n');
      expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ nonce: 'n', aud: signer.client_id });
    });

    it('in a tenant, the response is the tenant\'s: its issuer as iss, signed by its key', async () => {
      const superAdmin = await adminToken(server, { superAdmin: true });
      expect((await adminCall(server.url, superAdmin, 'POST', '/tenants', { domain: 'jarm.example' })).status).toBe(201);
      const issuers = server.app.get(IssuerContext);
      const tenant = await server.app.get(TenantDirectory).find('jarm.example');
      const tenantRp = await issuers.run(await issuers.forTenant(tenant!), () => createClient(server, { client_name: 'tenant RP', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' }));
      const tenantIssuer = `${server.url}/t/jarm.example`;
      const tenantAs = await oauth.processDiscoveryResponse(new URL(tenantIssuer), await oauth.discoveryRequest(new URL(tenantIssuer), insecure));
      const { state, url } = await request({ response_mode: 'jwt', prompt: 'none' }, tenantRp);
      const back = new URL((await new TestBrowser(server.url).request(url.replace(server.url, tenantIssuer))).location!);
      expect(payloadOf(back.searchParams.get('response')!)).toMatchObject({ iss: tenantIssuer, aud: tenantRp.client_id, error: 'login_required' });
      await expect(oauth.validateJwtAuthResponse(tenantAs, { client_id: tenantRp.client_id }, back, state, insecure)).rejects.toMatchObject({ error: 'login_required' });
      // The default issuer's metadata does not take it.
      await expect(oauth.validateJwtAuthResponse({ ...as }, { client_id: tenantRp.client_id }, back, state, insecure)).rejects.toThrow(/iss/);
    });

    it('registration (RFC 7591) takes the JARM metadata and refuses encryption without the client\'s keys', async () => {
      const open = await startServer({ oauth: { registration: { open: true } } });
      try {
        const register = (body: object) => fetch(`${open.url}/oauth2/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const ok = await register({ redirect_uris: [REDIRECT], authorization_signed_response_alg: 'ES256', introspection_signed_response_alg: 'PS256' });
        expect(ok.status).toBe(201);
        expect(await ok.json()).toMatchObject({ authorization_signed_response_alg: 'ES256', introspection_signed_response_alg: 'PS256' });
        const bad = await register({ redirect_uris: [REDIRECT], authorization_encrypted_response_alg: 'RSA-OAEP-256' });
        expect(bad.status).toBe(400);
        expect(await bad.json()).toEqual({ error: 'invalid_client_metadata', error_description: 'an *_encrypted_response_alg needs the client\'s encryption keys in jwks or jwks_uri' });
        expect((await (await register({ redirect_uris: [REDIRECT], authorization_encrypted_response_enc: 'A256GCM' })).json())).toMatchObject({ error_description: 'authorization_encrypted_response_enc needs authorization_encrypted_response_alg' });
        expect((await (await register({ redirect_uris: [REDIRECT], authorization_signed_response_alg: 'none' })).json())).toMatchObject({ error: 'invalid_client_metadata' });
      } finally {
        await stopServer(open);
      }
    });

    it('a client registered for an alg the server holds no key of gets an error page, never an unsigned or differently signed answer', async () => {
      const odd = await createClient(server, { client_name: 'ES512 RP', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid', authorization_signed_response_alg: 'ES512' });
      const { url } = await request({ response_mode: 'jwt', prompt: 'none' }, odd);
      const answer = await new TestBrowser(server.url).request(url);
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expect(answer.html).toContain('unauthorized_client');
    });
  });

  describe('RFC 9701 JWT introspection responses', () => {
    let resourceServer: ClientView;
    let token: string;
    beforeAll(async () => {
      resourceServer = await createClient(server, { client_name: 'RS', grant_types: ['client_credentials'], scope: 'api' });
      const issued = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'api' }, { authorization: basic(resourceServer.client_id, resourceServer.client_secret!) });
      token = issued.body.access_token as string;
    });

    it('answers Accept: application/token-introspection+jwt with a signed JWT that oauth4webapi verifies', async () => {
      const client: oauth.Client = { client_id: resourceServer.client_id, introspection_signed_response_alg: 'RS256' };
      const response = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(resourceServer.client_secret!), token, insecure);
      expect(response.headers.get('content-type')).toMatch(/^application\/token-introspection\+jwt/);
      const jwt = await response.clone().text();
      expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'RS256', typ: 'token-introspection+jwt' });
      expect(payloadOf(jwt)).toEqual({ iss: server.url, aud: resourceServer.client_id, iat: expect.any(Number), token_introspection: expect.objectContaining({ active: true, client_id: resourceServer.client_id, scope: 'api' }) });
      const introspected = await oauth.processIntrospectionResponse(as, client, response);
      expect(introspected).toMatchObject({ active: true, client_id: resourceServer.client_id });
      await oauth.validateApplicationLevelSignature(as, response, insecure);
    });

    it('wraps an inactive answer too, keeps JSON without the Accept, and errors as JSON', async () => {
      const client: oauth.Client = { client_id: resourceServer.client_id, introspection_signed_response_alg: 'RS256' };
      const inactive = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(resourceServer.client_secret!), 'no-such-token', insecure);
      expect(payloadOf(await inactive.clone().text()).token_introspection).toEqual({ active: false });
      expect(await oauth.processIntrospectionResponse(as, client, inactive)).toEqual({ active: false });
      const plain = await fetch(`${server.url}/oauth2/introspect`, { method: 'POST', headers: { authorization: basic(resourceServer.client_id, resourceServer.client_secret!), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
      expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await plain.json()).toMatchObject({ active: true });
      const refused = await fetch(`${server.url}/oauth2/introspect`, { method: 'POST', headers: { authorization: basic(resourceServer.client_id, 'wrong'), accept: 'application/token-introspection+jwt', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: 'invalid_client' });
      // q=0 refuses the JWT type: JSON it is.
      const q0 = await fetch(`${server.url}/oauth2/introspect`, { method: 'POST', headers: { authorization: basic(resourceServer.client_id, resourceServer.client_secret!), accept: 'application/token-introspection+jwt;q=0, application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
      expect(q0.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('encrypts to a caller that registered introspection_encrypted_response_alg', async () => {
      const { jwk, decrypt } = await encryptionKey();
      const encrypted = await createClient(server, {
        client_name: 'RS JWE', grant_types: ['client_credentials'], scope: 'api', jwks: { keys: [jwk] }, introspect_any: true,
        introspection_encrypted_response_alg: 'RSA-OAEP-256',
      });
      expect(encrypted).toMatchObject({ introspection_encrypted_response_alg: 'RSA-OAEP-256', introspection_encrypted_response_enc: 'A128CBC-HS256' });
      const client: oauth.Client = { client_id: encrypted.client_id };
      const response = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(encrypted.client_secret!), token, { ...insecure, requestJwtResponse: true });
      expect(response.headers.get('content-type')).toMatch(/^application\/token-introspection\+jwt/);
      expect(decodeProtectedHeader(await response.clone().text())).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256', cty: 'JWT' });
      expect(await oauth.processIntrospectionResponse(as, client, response, { [oauth.jweDecrypt]: decrypt })).toMatchObject({ active: true, client_id: resourceServer.client_id });
      await oauth.validateApplicationLevelSignature(as, response, insecure);
    });
  });
});
