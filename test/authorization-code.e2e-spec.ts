import * as openid from 'openid-client';
import type { ClientView } from '../src/clients/clients.service';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { TestBrowser } from './support/browser';
import { basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const REDIRECT = 'https://rp.example/callback';

/**
 * Browser sign-in (issue 13): the pages driven over real HTTP as a browser would, the code flow
 * with PKCE completed by openid-client (which validates the ID token), userinfo, and the
 * refusals RFC 9700 asks for.
 */
describe('authorization code flow with PKCE and OpenID Connect', () => {
  let server: TestServer;
  let rp: ClientView;
  let userId: string;

  beforeAll(async () => {
    server = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 } });
    rp = await createClient(server, {
      client_name: 'Shop',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [REDIRECT],
      post_logout_redirect_uris: ['https://rp.example/bye'],
      scope: 'openid profile email orders:read',
    });
    const user = await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: 'correct horse battery', claims: { email: 'alice@example.com', name: 'Alice A' } }, true));
    userId = user.id;
  });
  afterAll(() => stopServer(server));

  const config = () => openid.discovery(new URL(server.url), rp.client_id, undefined, openid.ClientSecretBasic(rp.client_secret!), { execute: [openid.allowInsecureRequests] });

  /** Signs in and consents in `browser`; returns the redirect to the client. */
  async function signIn(browser: TestBrowser, authorizationUrl: URL, { consent = true } = {}) {
    const login = await browser.follow(authorizationUrl.toString());
    expect(login.status).toBe(200);
    expect(login.html).toContain('name="username"');
    expect(login.html).toMatch(/<input (?=[^>]*name="password")(?=[^>]*type="password")[^>]*>/);
    const afterLogin = await browser.submit(login, { username: 'alice', password: 'correct horse battery' });
    // A consent given before for these scopes is remembered: then the answer comes at once.
    if (!consent || afterLogin.location?.startsWith(REDIRECT)) return afterLogin;
    expect(afterLogin.html).toContain('value="approve"');
    return browser.submit(afterLogin, { decision: 'approve' });
  }

  it('signs in, consents, exchanges the code with PKCE, validates the ID token and calls userinfo', async () => {
    const oidc = await config();
    const verifier = openid.randomPKCECodeVerifier();
    const state = openid.randomState();
    const nonce = openid.randomNonce();
    const url = openid.buildAuthorizationUrl(oidc, {
      redirect_uri: REDIRECT,
      scope: 'openid profile email',
      code_challenge: await openid.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const browser = new TestBrowser(server.url);
    const back = await signIn(browser, url);
    expect(back.status).toBe(303);
    expect(back.location).toMatch(/^https:\/\/rp\.example\/callback\?code=/);
    expect(new URL(back.location!).searchParams.get('iss')).toBe(server.url);

    const tokens = await openid.authorizationCodeGrant(oidc, new URL(back.location!), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ sub: userId, aud: rp.client_id, iss: server.url, nonce, amr: ['pwd'] });
    expect(typeof claims.sid).toBe('string');
    expect(typeof claims.auth_time).toBe('number');
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const info = await openid.fetchUserInfo(oidc, tokens.access_token, userId);
    expect(info).toMatchObject({ sub: userId, email: 'alice@example.com', name: 'Alice A', preferred_username: 'alice' });

    // The consent is remembered: the next request goes straight back, no page.
    const again = await browser.follow(openid.buildAuthorizationUrl(oidc, { redirect_uri: REDIRECT, scope: 'openid profile email', code_challenge: await openid.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }).toString());
    expect(again.status).toBe(303);
    expect(again.location).toMatch(/^https:\/\/rp\.example\/callback\?code=/);

    // A refresh brings a new ID token for the same user.
    const refreshed = await openid.refreshTokenGrant(oidc, tokens.refresh_token!);
    expect(refreshed.claims()?.sub).toBe(userId);
  });

  it('gives a pairwise client a per-sector sub, the same in the ID token and at userinfo', async () => {
    const pairwise = await createClient(server, { client_name: 'Pairwise', grant_types: ['authorization_code'], subject_type: 'pairwise', redirect_uris: ['https://other.example/cb'], scope: 'openid email' });
    const oidc = await openid.discovery(new URL(server.url), pairwise.client_id, undefined, openid.ClientSecretBasic(pairwise.client_secret!), { execute: [openid.allowInsecureRequests] });
    const verifier = openid.randomPKCECodeVerifier();
    const url = openid.buildAuthorizationUrl(oidc, { redirect_uri: 'https://other.example/cb', scope: 'openid email', code_challenge: await openid.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce: 'n-2' });
    const browser = new TestBrowser(server.url);
    const login = await browser.follow(url.toString());
    const consent = await browser.submit(login, { username: 'alice', password: 'correct horse battery' });
    const back = await browser.submit(consent, { decision: 'approve' });
    const tokens = await openid.authorizationCodeGrant(oidc, new URL(back.location!), { pkceCodeVerifier: verifier, expectedNonce: 'n-2', idTokenExpected: true });
    const sub = tokens.claims()!.sub;
    expect(sub).not.toBe(userId);
    // The access token names the same pairwise subject, never the user's id, and only consented claims.
    const access = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString());
    expect(access.sub).toBe(sub);
    expect(access).toMatchObject({ email: 'alice@example.com' });
    expect(access.name).toBeUndefined();
    expect(sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await openid.fetchUserInfo(oidc, tokens.access_token, sub)).toMatchObject({ sub, email: 'alice@example.com' });
  });

  it('asks for the password again when max_age has passed, and skips consent once given', async () => {
    const oidc = await config();
    const verifier = openid.randomPKCECodeVerifier();
    const browser = new TestBrowser(server.url);
    const first = await signIn(browser, openid.buildAuthorizationUrl(oidc, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await openid.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }));
    expect(first.location).toMatch(/code=/);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const stale = await browser.follow(openid.buildAuthorizationUrl(oidc, { redirect_uri: REDIRECT, scope: 'openid', max_age: '0', code_challenge: await openid.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }).toString());
    expect(stale.html).toContain('name="password"');
  });

  it('revokes what the first exchange issued when a code is used twice', async () => {
    const oidc = await config();
    const verifier = openid.randomPKCECodeVerifier();
    const url = openid.buildAuthorizationUrl(oidc, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await openid.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce: 'n1' });
    const back = await signIn(new TestBrowser(server.url), url);
    const code = new URL(back.location!).searchParams.get('code')!;
    const auth = { authorization: basic(rp.client_id, rp.client_secret!) };
    const first = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, auth);
    expect(first.status).toBe(200);
    const second = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, auth);
    expect(second.body.error).toBe('invalid_grant');
    const introspected = await openid.tokenIntrospection(oidc, first.body.access_token as string);
    expect(introspected.active).toBe(false);
  });
});
