import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, globalAgent, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactEncrypt, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import * as openid from 'openid-client';
import type { ClientView } from '../src/clients/clients.service';
import { EncryptionKeysService } from '../src/keys/encryption-keys.service';
import { KeyRing } from '../src/keys/key-ring';
import { PASSWORD_ACR } from '../src/oauth/authorization/interaction/password.login-step';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { TestBrowser } from './support/browser';
import { track } from './support/resources';
import { basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const REDIRECT = 'https://rp.example/callback';
const PASSWORD = 'correct horse battery';
const s256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
/** The parameters of a redirect to the client: the query, or (implicit) the fragment. */
const answerOf = (location: string | undefined) => {
  const url = new URL(location!);
  return Object.fromEntries(new URLSearchParams(url.hash ? url.hash.slice(1) : url.search));
};
/** The form-action directive of a page. */
const formAction = (headers: Headers) => /form-action ([^;]+)/.exec(headers.get('content-security-policy')!)![1];

/**
 * What the OpenID Foundation's Basic/Config OP checks ask of the authorization endpoint (issue
 * 23, items 3, 9 and part of 6): `id_token_hint` verified and obeyed (OIDC Core §3.1.2.1), the
 * `claims` parameter (§5.5) through code, refresh and userinfo, an honest `acr` (§2, §5.5.1.1),
 * a truthful discovery document, and pages whose CSP names exactly where their forms may end.
 * Users sign in through the login form, as a browser would.
 */
describe('OpenID Connect: id_token_hint, the claims parameter, acr and discovery', () => {
  let server: TestServer;
  let rp: ClientView;
  let other: ClientView;
  let pairwise: ClientView;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    server = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 }, oauth: { grant_type: { implicit: { enable: true } } } });
    const users = server.app.get(UsersService);
    alice = (await users.create(parseUserInput({ username: 'alice', password: PASSWORD, claims: { name: 'Alice A', email: 'alice@example.com' } }, true))).id;
    bob = (await users.create(parseUserInput({ username: 'bob', password: PASSWORD, claims: { name: 'Bob B', email: 'bob@example.com' } }, true))).id;
    rp = await createClient(server, {
      client_name: 'Shop', grant_types: ['authorization_code', 'refresh_token', 'implicit'], response_types: ['code', 'id_token'],
      redirect_uris: [REDIRECT], scope: 'openid profile email',
    });
    other = await createClient(server, { client_name: 'Other', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
    pairwise = await createClient(server, { client_name: 'Pairwise', grant_types: ['authorization_code'], subject_type: 'pairwise', redirect_uris: [REDIRECT], scope: 'openid' });
  });
  afterAll(() => stopServer(server));

  const verifier = 'v'.repeat(43);
  const authorize = (client: ClientView, extra: Record<string, string> = {}) =>
    `${server.url}/oauth2/authorize?${new URLSearchParams({ client_id: client.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: 'st', nonce: 'n', code_challenge: s256(verifier), code_challenge_method: 'S256', ...extra })}`;

  /** Signs `username` in on the login form shown for `url`, and approves the consent page if one comes. */
  async function signIn(browser: TestBrowser, url: string, username: string) {
    const login = await browser.follow(url);
    expect(login.html).toContain('name="password"');
    const after = await browser.submit(login, { username, password: PASSWORD });
    return after.location?.startsWith(REDIRECT) ? after : browser.submit(after, { decision: 'approve' });
  }

  async function exchange(client: ClientView, location: string | undefined) {
    const code = answerOf(location).code;
    expect(code).toEqual(expect.any(String));
    const answer = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: basic(client.client_id, client.client_secret!) });
    expect(answer.status).toBe(200);
    return answer.body as { access_token: string; id_token: string; refresh_token?: string };
  }

  /** A browser signed in as `username` (consent given to `client`), and the ID token that sign-in brought. */
  async function signedIn(username: string, client: ClientView = rp) {
    const browser = new TestBrowser(server.url);
    const tokens = await exchange(client, (await signIn(browser, authorize(client), username)).location);
    return { browser, idToken: tokens.id_token };
  }

  const expectError = (location: string | undefined, error: string, description: string) =>
    expect(answerOf(location)).toEqual({ error, error_description: description, state: 'st', iss: server.url });

  it('advertises implicit, signed userinfo, the claims parameter and the password acr in discovery', async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata.grant_types_supported).toEqual(['client_credentials', 'authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'refresh_token', 'implicit']);
    expect(metadata).toMatchObject({
      userinfo_signing_alg_values_supported: ['RS256'],
      claims_parameter_supported: true,
      acr_values_supported: [PASSWORD_ACR],
    });
  });

  describe('the claims parameter and acr, as a relying party uses them (openid-client)', () => {
    const claims = { userinfo: { name: { essential: true } }, id_token: { email: null, acr: { essential: true, values: [PASSWORD_ACR] } } };

    it('returns the essential name at userinfo and email and acr in the ID token — at the exchange and after a refresh', async () => {
      const oidc = await openid.discovery(new URL(server.url), rp.client_id, undefined, openid.ClientSecretBasic(rp.client_secret!), { execute: [openid.allowInsecureRequests] });
      const pkce = openid.randomPKCECodeVerifier();
      const [state, nonce] = [openid.randomState(), openid.randomNonce()];
      const url = openid.buildAuthorizationUrl(oidc, {
        redirect_uri: REDIRECT, scope: 'openid', claims: JSON.stringify(claims), acr_values: PASSWORD_ACR,
        code_challenge: await openid.calculatePKCECodeChallenge(pkce), code_challenge_method: 'S256', state, nonce,
      });
      const browser = new TestBrowser(server.url);
      const login = await browser.follow(url.toString());
      const consent = await browser.submit(login, { username: 'alice', password: PASSWORD });
      // The claims asked for one by one are the user's to approve, beside the scopes.
      expect(consent.html).toMatch(/Your full name <code>name<\/code>/);
      expect(consent.html).toMatch(/Your email address <code>email<\/code>/);
      const back = await browser.submit(consent, { decision: 'approve' });

      const tokens = await openid.authorizationCodeGrant(oidc, new URL(back.location!), { pkceCodeVerifier: pkce, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
      const idToken = tokens.claims()!;
      expect(idToken).toMatchObject({ sub: alice, acr: PASSWORD_ACR, amr: ['pwd'], email: 'alice@example.com' });
      expect(idToken.name).toBeUndefined();
      const info = await openid.fetchUserInfo(oidc, tokens.access_token, alice);
      expect(info).toEqual({ sub: alice, name: 'Alice A' });

      const refreshed = await openid.refreshTokenGrant(oidc, tokens.refresh_token!);
      expect(refreshed.claims()).toMatchObject({ sub: alice, acr: PASSWORD_ACR, email: 'alice@example.com' });
      expect(await openid.fetchUserInfo(oidc, refreshed.access_token, alice)).toEqual({ sub: alice, name: 'Alice A' });
    });

    it('returns the acr the sign-in satisfied after acr_values asked for another (a voluntary request)', async () => {
      const browser = new TestBrowser(server.url);
      const tokens = await exchange(rp, (await signIn(browser, authorize(rp, { acr_values: 'urn:example:loa:3 urn:example:loa:2' }), 'alice')).location);
      expect(payloadOf(tokens.id_token).acr).toBe(PASSWORD_ACR);
    });

    it('asks again for claims beyond every consented scope, and not for those a consented scope releases', async () => {
      const { browser } = await signedIn('alice');
      const asked = await browser.follow(authorize(rp, { claims: JSON.stringify({ userinfo: { name: null } }) }));
      expect(asked.status).toBe(200);
      expect(asked.html).toContain('value="approve"');
      expect(answerOf((await browser.follow(authorize(rp, { claims: JSON.stringify({ userinfo: { name: null } }), prompt: 'none' }))).location).error).toBe('consent_required');
      // Once `profile` is consented, `name` (which profile releases) is covered.
      await browser.submit(await browser.follow(authorize(rp, { scope: 'openid profile' })), { decision: 'approve' });
      const covered = await browser.follow(authorize(rp, { claims: JSON.stringify({ userinfo: { name: null } }) }));
      expect(covered.status).toBe(303);
      expect(answerOf(covered.location).code).toEqual(expect.any(String));
    });

    it('fails a sign-in that cannot satisfy an essential acr with unmet_authentication_requirements (§5.5.1.1)', async () => {
      const essential = { claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:example:loa:3'] } } }) };
      const browser = new TestBrowser(server.url);
      const login = await browser.follow(authorize(rp, essential));
      const back = await browser.submit(login, { username: 'alice', password: PASSWORD });
      expectError(back.location, 'unmet_authentication_requirements', 'the sign-in does not satisfy the essential acr of the request');
      // A session that does not satisfy it: the login page (a new sign-in might), or login_required — never a code.
      expect((await browser.follow(authorize(rp, essential))).html).toContain('name="password"');
      expectError((await browser.follow(authorize(rp, { ...essential, prompt: 'none' }))).location, 'login_required', 'the user must interact with the authorization server');
      // Satisfied: the code comes at once.
      const met = await browser.follow(authorize(rp, { claims: JSON.stringify({ id_token: { acr: { essential: true, value: PASSWORD_ACR } } }), prompt: 'none' }));
      expect(payloadOf((await exchange(rp, met.location)).id_token).acr).toBe(PASSWORD_ACR);
    });

    it('puts scope claims and the claims asked for the ID token into an implicit ID token', async () => {
      const browser = new TestBrowser(server.url);
      const back = await signIn(browser, authorize(rp, { response_type: 'id_token', scope: 'openid email', claims: JSON.stringify({ id_token: { name: null } }) }), 'bob');
      expect(payloadOf(answerOf(back.location).id_token)).toMatchObject({ sub: bob, email: 'bob@example.com', name: 'Bob B', acr: PASSWORD_ACR, nonce: 'n' });
    });

    it.each([
      ['malformed JSON', { claims: '{"userinfo":' }, 'the claims parameter is not valid JSON'],
      ['a claim that is neither null nor an object', { claims: '{"userinfo":{"name":1}}' }, 'claims.userinfo.name must be null or a JSON object'],
      ['claims without openid', { scope: 'email', claims: '{"userinfo":{"name":null}}' }, 'the claims parameter needs the openid scope'],
      ['claims.userinfo without an access token', { response_type: 'id_token', claims: '{"userinfo":{"name":null}}' }, 'claims.userinfo cannot be used with response_type id_token: no access token is issued'],
    ])('refuses %s with invalid_request at the redirect URI', async (_, extra, description) => {
      const answer = await new TestBrowser(server.url).request(authorize(rp, extra));
      expect(answer.status).toBe(303);
      expectError(answer.location, 'invalid_request', description);
    });
  });

  describe('id_token_hint (OIDC Core §3.1.2.1)', () => {
    let aliceHint: string;
    let bobHint: string;
    let bobs: TestBrowser;

    beforeAll(async () => {
      aliceHint = (await signedIn('alice')).idToken;
      ({ browser: bobs, idToken: bobHint } = await signedIn('bob'));
    });

    it('answers prompt=none with login_required when the hint names another user than the session\'s', async () => {
      const answer = await bobs.follow(authorize(rp, { prompt: 'none', id_token_hint: aliceHint }));
      expect(answer.status).toBe(303);
      expectError(answer.location, 'login_required', 'the user must interact with the authorization server');
    });

    it('answers prompt=none with a code when the hint names the session\'s user', async () => {
      const answer = await bobs.follow(authorize(rp, { prompt: 'none', id_token_hint: bobHint }));
      expect(payloadOf((await exchange(rp, answer.location)).id_token).sub).toBe(bob);
    });

    it('sends a hint for another user to the login page, and never gives a code for the session\'s user', async () => {
      const { browser } = await signedIn('bob');
      const login = await browser.follow(authorize(rp, { id_token_hint: aliceHint }));
      expect(login.status).toBe(200);
      expect(login.html).toContain('name="password"');
      // Signing in as the session's user again is not the user the client named.
      const wrong = await browser.submit(login, { username: 'bob', password: PASSWORD });
      expectError(wrong.location, 'login_required', 'the signed-in user is not the one the request names');
      const right = await signIn(browser, authorize(rp, { id_token_hint: aliceHint }), 'alice');
      expect(payloadOf((await exchange(rp, right.location)).id_token).sub).toBe(alice);
    });

    it('ignores the expiry of the hint', async () => {
      const signer = server.app.get(KeyRing).signer('RS256')!;
      const now = Math.floor(Date.now() / 1000);
      const expired = await signer.sign({ iss: server.url, sub: bob, aud: rp.client_id, iat: now - 7200, exp: now - 3600 }, 'JWT');
      const answer = await bobs.follow(authorize(rp, { prompt: 'none', id_token_hint: expired }));
      expect(answer.location).toMatch(/\?code=/);
    });

    it('accepts a hint encrypted to this server\'s encryption key (a nested JWT)', async () => {
      await server.app.get(EncryptionKeysService).generate('RSA-OAEP-256');
      await server.app.get(KeyRing).refresh();
      const { keys } = (await (await fetch(`${server.url}/oauth2/jwks`)).json()) as { keys: JWK[] };
      const key = keys.find((jwk) => jwk.use === 'enc' && jwk.alg === 'RSA-OAEP-256')!;
      const encrypted = await new CompactEncrypt(new TextEncoder().encode(bobHint))
        .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: key.kid, cty: 'JWT' })
        .encrypt(await importJWK(key, 'RSA-OAEP-256'));
      expect((await bobs.follow(authorize(rp, { prompt: 'none', id_token_hint: encrypted }))).location).toMatch(/\?code=/);
      // Encrypted to this server, but holding no ID token of it.
      const garbage = await new CompactEncrypt(new TextEncoder().encode('not.a.jwt'))
        .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: key.kid, cty: 'JWT' })
        .encrypt(await importJWK(key, 'RSA-OAEP-256'));
      expectError((await bobs.follow(authorize(rp, { prompt: 'none', id_token_hint: garbage }))).location, 'invalid_request', 'id_token_hint is not an ID token this server issued to this client');
    });

    it('refuses with invalid_request a hint that is no ID token this server issued to the client', async () => {
      const foreign = await generateKeyPair('RS256');
      const header = { alg: 'RS256', typ: 'JWT', kid: JSON.parse(Buffer.from(bobHint.split('.')[0], 'base64url').toString()).kid };
      const signer = server.app.get(KeyRing).signer('RS256')!;
      const now = Math.floor(Date.now() / 1000);
      const hints: Record<string, string> = {
        garbage: 'not-a-token',
        'signed by another key under this kid': await new SignJWT({ sub: bob, aud: rp.client_id }).setProtectedHeader(header).setIssuer(server.url).setIssuedAt().sign(foreign.privateKey),
        'issued to another client': (await signedIn('bob', other)).idToken,
        'from another issuer': await signer.sign({ iss: 'https://elsewhere.example', sub: bob, aud: rp.client_id, iat: now, exp: now + 60 }, 'JWT'),
        'an access token': (await exchange(rp, (await bobs.follow(authorize(rp, { prompt: 'none' }))).location)).access_token,
        // OIDC Core §5.3.2, as userinfo-jwt.ts signs it: iss, aud and sub like an ID token, but no iat or exp.
        'a signed userinfo response': await signer.sign({ sub: bob, email: 'bob@example.com', iss: server.url, aud: rp.client_id }, 'JWT'),
        'an unsigned token': `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: server.url, sub: bob, aud: rp.client_id })).toString('base64url')}.`,
      };
      for (const [what, hint] of Object.entries(hints)) {
        for (const prompt of [{ prompt: 'none' }, {}] as Record<string, string>[]) {
          const answer = await bobs.request(authorize(rp, { ...prompt, id_token_hint: hint }));
          expect([what, answer.status]).toEqual([what, 303]);
          expectError(answer.location, 'invalid_request', 'id_token_hint is not an ID token this server issued to this client');
        }
      }
    });

    it('compares the hint with the pairwise subject a pairwise client sees', async () => {
      const { browser, idToken } = await signedIn('bob', pairwise);
      const seen = payloadOf(idToken).sub as string;
      expect(seen).not.toBe(bob);
      expect((await browser.follow(authorize(pairwise, { prompt: 'none', id_token_hint: idToken }))).location).toMatch(/\?code=/);
      // Signed by this server for this client, but with the user's own id: not whom this client knows as bob.
      const signer = server.app.get(KeyRing).signer('RS256')!;
      const now = Math.floor(Date.now() / 1000);
      const unpaired = await signer.sign({ iss: server.url, sub: bob, aud: pairwise.client_id, iat: now, exp: now + 60 }, 'JWT');
      expectError((await browser.follow(authorize(pairwise, { prompt: 'none', id_token_hint: unpaired }))).location, 'login_required', 'the user must interact with the authorization server');
    });

    it('treats sub with a value in the claims parameter as the hint (§5.5.1), and refuses the two naming different users', async () => {
      const named = (sub: string) => JSON.stringify({ id_token: { sub: { value: sub } } });
      expectError((await bobs.follow(authorize(rp, { prompt: 'none', claims: named(alice) }))).location, 'login_required', 'the user must interact with the authorization server');
      expect((await bobs.follow(authorize(rp, { prompt: 'none', claims: named(bob) }))).location).toMatch(/\?code=/);
      expectError((await bobs.follow(authorize(rp, { prompt: 'none', claims: named(alice), id_token_hint: bobHint }))).location, 'invalid_request', 'id_token_hint and the claims parameter name different users');
    });
  });

  describe('a native client\'s loopback redirect URIs and the pages\' CSP form-action', () => {
    let native: ClientView;

    beforeAll(async () => {
      native = await createClient(server, {
        client_name: 'Desktop', grant_types: ['authorization_code'], token_endpoint_auth_method: 'none', application_type: 'native',
        redirect_uris: ['http://[::1]/cb', 'http://127.0.0.1/cb'], scope: 'openid',
      });
    });

    const nativeRequest = (redirect: string) =>
      `${server.url}/oauth2/authorize?${new URLSearchParams({ client_id: native.client_id, response_type: 'code', redirect_uri: redirect, scope: 'openid', state: 'st', code_challenge: s256(verifier), code_challenge_method: 'S256' })}`;

    it('keeps form-action to grantry alone for http://[::1], and takes the browser there by a page after the POST', async () => {
      const redirect = 'http://[::1]:49152/cb';
      const browser = new TestBrowser(server.url);
      const login = await browser.follow(nativeRequest(redirect));
      expect(formAction(login.headers)).toBe("'self'");
      const consent = await browser.submit(login, { username: 'alice', password: PASSWORD });
      expect(formAction(consent.headers)).toBe("'self'");
      const onward = await browser.submit(consent, { decision: 'approve' });
      expect(onward.status).toBe(200);
      expect(formAction(onward.headers)).toBe("'none'");
      const target = /<meta http-equiv="refresh" content="0; url=([^"]+)">/.exec(onward.html)![1].replace(/&amp;/g, '&');
      expect(onward.html).toContain(`<a href="${target.replace(/&/g, '&amp;')}">`);
      expect(target.startsWith(`${redirect}?code=`)).toBe(true);
      expect(answerOf(target)).toEqual({ code: expect.any(String), state: 'st', iss: server.url });
      const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: native.client_id, code: answerOf(target).code, redirect_uri: redirect, code_verifier: verifier });
      expect(tokens.status).toBe(200);
    });

    it('names exactly the http://127.0.0.1 origin with its port, and redirects there', async () => {
      const redirect = 'http://127.0.0.1:49153/cb';
      const browser = new TestBrowser(server.url);
      const login = await browser.follow(nativeRequest(redirect));
      expect(formAction(login.headers)).toBe("'self' http://127.0.0.1:49153");
      const after = await browser.submit(login, { username: 'alice', password: PASSWORD });
      if (after.status === 200) expect(formAction(after.headers)).toBe("'self' http://127.0.0.1:49153"); // consent, unless given above
      const back = after.status === 200 ? await browser.submit(after, { decision: 'approve' }) : after;
      expect(back.status).toBe(303);
      expect(back.location!.startsWith(`${redirect}?code=`)).toBe(true);
    });
  });

  /**
   * The request-object modules of the Dynamic OP plan, as the suite runs them: the client is
   * registered dynamically (RFC 7591) with `request_uris` naming the suite's https host, the suite
   * serves the object there, and the authorization request carries `request_uri` (or `request`)
   * with `client_id`, `response_type` and `scope` outside (OIDC Core §6.1); the module passes when
   * the code comes back with the object's `state`, the ID token carries its `nonce`, and the token
   * request succeeds.
   */
  describe('request objects by reference and by value (oidcc-request-uri-*, oidcc-*-request-object)', () => {
    let dynamic: TestServer;
    let suite: { url: string; put(path: string, jwt: string): string; hits(): number; close(): Promise<void> };
    let restoreCa: () => void;
    let dir: string;

    /** The suite's https host on loopback, with a certificate grantry's outbound fetcher is made to trust. */
    async function suiteHost() {
      dir = mkdtempSync(join(tmpdir(), 'conformance-'));
      const [keyFile, certFile] = [join(dir, 'suite.key'), join(dir, 'suite.crt')];
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=suite', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      const [key, cert] = [readFileSync(keyFile, 'utf8'), readFileSync(certFile, 'utf8')];
      // The fetcher uses Node's default https agent: trusting the suite's certificate there is what a CA bundle would do.
      const previous = globalAgent.options.ca;
      globalAgent.options.ca = cert;
      restoreCa = () => (globalAgent.options.ca = previous);
      const objects = new Map<string, string>();
      let count = 0;
      const server: HttpsServer = createHttpsServer({ key, cert }, (request, response) => {
        count++;
        const jwt = objects.get(request.url ?? '');
        if (!jwt) return void response.writeHead(404).end();
        response.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' }).end(jwt);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
      return {
        url,
        put: (path: string, jwt: string) => (objects.set(path, jwt), `${url}${path}`),
        hits: () => count,
        close: track(`conformance suite host ${url}`, async () => {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeAllConnections();
          await closed;
        }),
      };
    }

    beforeAll(async () => {
      suite = await suiteHost();
      // The suite's host is a loopback address here: the private-address block would refuse it.
      dynamic = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 }, oauth: { registration: { open: true }, outbound: { allow_private_networks: true } } });
      await dynamic.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD }, true));
    });
    afterAll(async () => {
      restoreCa?.();
      await suite?.close();
      await stopServer(dynamic);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** RFC 7591 registration as the suite does it; the registered client (with its secret). */
    async function register(metadata: Record<string, unknown>): Promise<{ client_id: string; client_secret: string } & Record<string, unknown>> {
      const response = await fetch(`${dynamic.url}/oauth2/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'oidcc suite', redirect_uris: [REDIRECT], response_types: ['code'], grant_types: ['authorization_code'], ...metadata }),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { client_id: string; client_secret: string };
    }

    const unsigned = (claims: Record<string, unknown>) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const objectFor = (clientId: string) => ({
      client_id: clientId, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: `st-${randomUUID()}`, nonce: `n-${randomUUID()}`,
      code_challenge: s256(verifier), code_challenge_method: 'S256',
    });

    /** Signs alice in from `url`, approves, exchanges the code: the module's checks of state, nonce and the token response. */
    async function completes(url: string, client: { client_id: string; client_secret: string }, object: ReturnType<typeof objectFor>) {
      const browser = new TestBrowser(dynamic.url);
      const login = await browser.follow(url);
      expect(login.html).toContain('name="password"');
      let back = await browser.submit(login, { username: 'alice', password: PASSWORD });
      if (!back.location?.startsWith(REDIRECT)) back = await browser.submit(back, { decision: 'approve' });
      const answer = answerOf(back.location);
      expect(answer).toEqual({ code: expect.any(String), state: object.state, iss: dynamic.url });
      const tokens = await tokenRequest(dynamic, { grant_type: 'authorization_code', code: answer.code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: basic(client.client_id, client.client_secret) });
      expect(tokens.status).toBe(200);
      expect(payloadOf(tokens.body.id_token as string)).toMatchObject({ iss: dynamic.url, aud: client.client_id, nonce: object.nonce });
    }

    const outside = (clientId: string, extra: Record<string, string>) => `${dynamic.url}/oauth2/authorize?${new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', ...extra })}`;

    it('discovery says what the modules look for', async () => {
      const metadata = (await (await fetch(`${dynamic.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({ request_parameter_supported: true, request_uri_parameter_supported: true, require_request_uri_registration: true, registration_endpoint: `${dynamic.url}/oauth2/register` });
      expect(metadata.request_object_signing_alg_values_supported).toEqual(expect.arrayContaining(['none', 'RS256']));
    });

    it('oidcc-request-uri-unsigned: an unsigned object at a registered request_uri', async () => {
      const path = `/requests/${randomUUID()}.jwt`;
      const client = await register({ request_uris: [`${suite.url}${path}`] });
      const object = objectFor(client.client_id);
      const before = suite.hits();
      await completes(outside(client.client_id, { request_uri: suite.put(path, unsigned(object)) }), client, object);
      expect(suite.hits()).toBe(before + 1);
    });

    it('oidcc-request-uri-signed-rs256: an RS256 object at a registered request_uri, the client registered with jwks and request_object_signing_alg', async () => {
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      const kid = randomUUID();
      const path = `/requests/${randomUUID()}.jwt`;
      const client = await register({ request_uris: [`${suite.url}${path}#v1`], jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] }, request_object_signing_alg: 'RS256' });
      expect(client).toMatchObject({ request_object_signing_alg: 'RS256', request_uris: [`${suite.url}${path}#v1`] });
      const object = objectFor(client.client_id);
      const jwt = await new SignJWT({ ...object, iss: client.client_id, aud: dynamic.url, jti: randomUUID() }).setProtectedHeader({ alg: 'RS256', kid }).setIssuedAt().setExpirationTime('5m').sign(privateKey);
      // The fragment of the registered URI is the suite's cache buster; it names the same object.
      await completes(outside(client.client_id, { request_uri: `${suite.put(path, jwt)}#v1` }), client, object);
      // The module's negative sibling: an unsigned object from this client is refused.
      const refused = await new TestBrowser(dynamic.url).request(outside(client.client_id, { request_uri: `${suite.put(path, unsigned(objectFor(client.client_id)))}`, redirect_uri: REDIRECT, state: 'st' }));
      expect(answerOf(refused.location)).toMatchObject({ error: 'invalid_request_object', state: expect.any(String) });
    });

    it('oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported: an unsigned object by value', async () => {
      const client = await register({});
      const object = objectFor(client.client_id);
      await completes(outside(client.client_id, { request: unsigned(object), redirect_uri: REDIRECT }), client, object);
    });

    it('oidcc-ensure-request-object-with-redirect-uri: redirect_uri only in the object', async () => {
      const client = await register({});
      const object = objectFor(client.client_id);
      // OIDC Core §6.1: the object's redirect_uri serves; the outside request carries none.
      await completes(outside(client.client_id, { request: unsigned(object) }), client, object);
    });

    it('refuses a request_uri the client did not register (require_request_uri_registration)', async () => {
      const client = await register({ request_uris: [`${suite.url}/requests/registered.jwt`] });
      const object = objectFor(client.client_id);
      const before = suite.hits();
      const answer = await new TestBrowser(dynamic.url).request(outside(client.client_id, { request_uri: suite.put('/requests/other.jwt', unsigned(object)), redirect_uri: REDIRECT, state: 'st' }));
      expect(answerOf(answer.location)).toMatchObject({ error: 'invalid_request_uri', state: 'st' });
      expect(suite.hits()).toBe(before);
    });
  });
});
