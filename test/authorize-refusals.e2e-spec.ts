import { createHash, randomBytes } from 'node:crypto';
import type { ClientView } from '../src/clients/clients.service';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { TestBrowser } from './support/browser';
import { basic, createClient, startServer, stopServer, TEST_ACTOR, TestServer, tokenRequest } from './support/server';

const REDIRECT = 'https://rp.example/callback';
const verifier = () => randomBytes(32).toString('base64url');
const s256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * What the authorization endpoint refuses (issue 13 acceptance; RFC 9700 §4.1, §4.8; RFC 7636):
 * errors before the redirect URI is known are a page and never a redirect; later ones go to the
 * redirect URI with state and iss.
 */
describe('authorization endpoint refusals', () => {
  let server: TestServer;
  let lax: TestServer;
  let rp: ClientView;
  let publicRp: ClientView;
  let native: ClientView;

  beforeAll(async () => {
    server = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 } });
    // PKCE optional, plain allowed and implicit on: to show what each switch changes.
    lax = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 }, oauth: { pkce: { required: false, allow_plain: true }, grant_type: { implicit: { enable: true } } } });
    for (const target of [server, lax]) {
      await target.app.get(UsersService).create(parseUserInput({ username: 'alice', password: 'correct horse battery' }, true));
    }
    rp = await createClient(server, { client_name: 'Shop', grant_types: ['authorization_code'], redirect_uris: [REDIRECT, 'https://rp.example/other?x=1'], post_logout_redirect_uris: ['https://rp.example/bye'], scope: 'openid profile' });
    publicRp = await createClient(server, { client_name: 'SPA', grant_types: ['authorization_code'], token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT], scope: 'openid' });
    native = await createClient(server, { client_name: 'Desktop', grant_types: ['authorization_code'], token_endpoint_auth_method: 'none', application_type: 'native', redirect_uris: ['http://127.0.0.1/cb', 'com.example.app:/cb'], scope: 'openid' });
  });
  afterAll(async () => {
    await stopServer(lax);
    await stopServer(server);
  });

  const authorize = (target: TestServer, params: Record<string, string>) => `${target.url}/oauth2/authorize?${new URLSearchParams(params)}`;
  const codeRequest = (client: ClientView, extra: Record<string, string> = {}) => ({
    client_id: client.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: 'st', code_challenge: s256('x'.repeat(43)), code_challenge_method: 'S256', ...extra,
  });

  /** Signs alice in and approves; returns where the browser was sent. */
  async function signIn(browser: TestBrowser, url: string) {
    const login = await browser.follow(url);
    const after = await browser.submit(login, { username: 'alice', password: 'correct horse battery' });
    return after.location?.startsWith('https://rp.example') ? after : browser.submit(after, { decision: 'approve' });
  }

  describe('redirect URIs: exact match, else an error page and no redirect', () => {
    it.each([
      ['an extra path segment', `${REDIRECT}/more`],
      ['an appended query', `${REDIRECT}?next=/admin`],
      ['a different port', 'https://rp.example:8443/callback'],
      ['http instead of https', 'http://rp.example/callback'],
      ['a fragment', `${REDIRECT}#x`],
      ['a host suffix', 'https://rp.example.evil.example/callback'],
      ['user@host', 'https://rp.example@evil.example/callback'],
      ['.. segments', 'https://rp.example/callback/../callback'],
      ['javascript:', 'javascript:alert(1)'],
      ['JavaScript: in mixed case', 'JaVaScRiPt:alert(1)'],
      ['a different case', 'https://RP.example/callback'],
      ['a trailing slash', `${REDIRECT}/`],
    ])('refuses %s', async (_, uri) => {
      const answer = await new TestBrowser(server.url).request(authorize(server, codeRequest(rp, { redirect_uri: uri })));
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expect(answer.html).toContain('redirect_uri is not registered for this client');
      expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    });

    it('shows an error page for an unknown client and for a missing client_id', async () => {
      for (const params of [codeRequest(rp, { client_id: 'nope' }), { response_type: 'code', redirect_uri: REDIRECT }]) {
        const answer = await new TestBrowser(server.url).request(authorize(server, params));
        expect(answer.status).toBe(400);
        expect(answer.location).toBeUndefined();
      }
    });

    it('keeps the registered query and lets a native app vary the loopback port only', async () => {
      const withQuery = await signIn(new TestBrowser(server.url), authorize(server, codeRequest(rp, { redirect_uri: 'https://rp.example/other?x=1' })));
      expect(withQuery.location).toMatch(/^https:\/\/rp\.example\/other\?x=1&code=/);
      const browser = new TestBrowser(server.url);
      const loopback = await signIn(browser, authorize(server, codeRequest(native, { redirect_uri: 'http://127.0.0.1:51234/cb' })));
      expect(loopback.location).toMatch(/^http:\/\/127\.0\.0\.1:51234\/cb\?code=/);
      for (const uri of ['http://127.0.0.1:51234/cb/x', 'http://localhost:51234/cb', 'http://127.0.0.1:51234/cb?y=1']) {
        expect((await browser.request(authorize(server, codeRequest(native, { redirect_uri: uri })))).status).toBe(400);
      }
    });
  });

  describe('errors after the redirect URI is known go back to it with state and iss', () => {
    const errorAt = async (target: TestServer, params: Record<string, string>) => {
      const answer = await new TestBrowser(target.url).request(authorize(target, params));
      expect(answer.status).toBe(303);
      const url = new URL(answer.location!);
      expect(`${url.origin}${url.pathname}`).toBe(REDIRECT);
      // In the query, or in the fragment for response types that return tokens (their default mode).
      const fields = url.hash ? new URLSearchParams(url.hash.slice(1)) : url.searchParams;
      expect(fields.get('iss')).toBe(target.url);
      expect(fields.get('state')).toBe(params.state ?? null);
      return { error: fields.get('error'), description: fields.get('error_description') };
    };

    it('refuses a missing PKCE challenge (required by default; always for public clients) and plain', async () => {
      const { code_challenge: _, code_challenge_method: __, ...withoutPkce } = codeRequest(rp);
      expect(await errorAt(server, withoutPkce)).toMatchObject({ error: 'invalid_request', description: 'code_challenge is required (PKCE with S256)' });
      expect(await errorAt(server, codeRequest(rp, { code_challenge_method: 'plain', code_challenge: 'y'.repeat(43) }))).toMatchObject({ error: 'invalid_request', description: 'code_challenge_method plain is not allowed; use S256' });
      const { code_challenge: ___, code_challenge_method: ____, ...publicWithout } = codeRequest(publicRp);
      expect((await errorAt(lax, { ...publicWithout, client_id: (await createClient(lax, { grant_types: ['authorization_code'], token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT], scope: 'openid' })).client_id })).error).toBe('invalid_request');
    });

    it('refuses an unregistered or disabled response type, and an unknown scope', async () => {
      expect((await errorAt(server, codeRequest(rp, { response_type: 'token' }))).error).toBe('unsupported_response_type');
      expect((await errorAt(server, codeRequest(rp, { response_type: 'bogus' }))).error).toBe('unsupported_response_type');
      const laxRp = await createClient(lax, { grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
      expect((await errorAt(lax, codeRequest(laxRp, { response_type: 'id_token token', nonce: 'n' }))).error).toBe('unauthorized_client');
      expect((await errorAt(server, codeRequest(rp, { scope: 'openid admin' }))).error).toBe('invalid_scope');
      expect((await errorAt(server, codeRequest(rp, { scope: 'openid payroll' }))).error).toBe('invalid_scope');
    });

    it('answers prompt=none without a session with login_required', async () => {
      expect((await errorAt(server, codeRequest(rp, { prompt: 'none' }))).error).toBe('login_required');
    });
  });

  describe('PKCE at the token endpoint', () => {
    const exchange = (target: TestServer, client: ClientView, params: Record<string, string>) =>
      tokenRequest(target, { grant_type: 'authorization_code', redirect_uri: REDIRECT, ...params }, { authorization: basic(client.client_id, client.client_secret!) });

    it('refuses a wrong verifier and keeps the code usable with the right one', async () => {
      const right = verifier();
      const back = await signIn(new TestBrowser(server.url), authorize(server, codeRequest(rp, { code_challenge: s256(right) })));
      const code = new URL(back.location!).searchParams.get('code')!;
      expect((await exchange(server, rp, { code, code_verifier: verifier() })).body).toEqual({ error: 'invalid_grant', error_description: 'code_verifier does not match the code_challenge' });
      expect((await exchange(server, rp, { code })).body.error).toBe('invalid_grant');
      expect((await exchange(server, rp, { code, code_verifier: right })).status).toBe(200);
    });

    it('refuses a verifier for a code issued without a challenge (the PKCE downgrade)', async () => {
      const laxRp = await createClient(lax, { grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
      const { code_challenge: _, code_challenge_method: __, ...withoutPkce } = codeRequest(laxRp);
      const back = await signIn(new TestBrowser(lax.url), authorize(lax, withoutPkce));
      const code = new URL(back.location!).searchParams.get('code')!;
      expect((await exchange(lax, laxRp, { code, code_verifier: verifier() })).body).toEqual({ error: 'invalid_grant', error_description: 'code_verifier was sent, but the authorization request had no code_challenge' });
    });

    it('refuses another redirect_uri than the authorization request named', async () => {
      const right = verifier();
      const back = await signIn(new TestBrowser(server.url), authorize(server, codeRequest(rp, { code_challenge: s256(right) })));
      const code = new URL(back.location!).searchParams.get('code')!;
      expect((await exchange(server, rp, { code, code_verifier: right, redirect_uri: 'https://rp.example/other?x=1' })).body.error).toBe('invalid_grant');
    });
  });

  describe('forms', () => {
    it('refuses a login or consent post with a missing or wrong CSRF token, starting no session', async () => {
      const browser = new TestBrowser(server.url);
      // profile: a scope nobody approved for this client yet, so the consent page comes.
      const login = await browser.follow(authorize(server, codeRequest(rp, { scope: 'openid profile' })));
      const action = /action="([^"]+)"/.exec(login.html)![1].replace(/&amp;/g, '&');
      for (const csrf of [undefined, 'forged']) {
        const form: Record<string, string> = { username: 'alice', password: 'correct horse battery', ...(csrf ? { csrf } : {}) };
        const answer = await browser.request(action, { form });
        expect(answer.status).toBe(400);
        expect(browser.has('grantry_session')).toBe(false);
      }
      // A page opened in another browser (no binding cookie) is refused too.
      expect((await new TestBrowser(server.url).request(login.url)).status).toBe(400);
      const consent = await browser.submit(login, { username: 'alice', password: 'correct horse battery' });
      expect(browser.has('grantry_session')).toBe(true);
      const consentAction = /action="([^"]+)"/.exec(consent.html)![1];
      const forged = await browser.request(consentAction, { form: { decision: 'approve', csrf: 'forged' } });
      expect(forged.status).toBe(400);
      expect(forged.location).toBeUndefined();
    });

    it('sends access_denied when the user denies consent', async () => {
      const browser = new TestBrowser(server.url);
      const login = await browser.follow(authorize(server, codeRequest(rp, { scope: 'openid profile' })));
      const consent = await browser.submit(login, { username: 'alice', password: 'correct horse battery' });
      const denied = await browser.submit(consent, { decision: 'deny' });
      expect(new URL(denied.location!).searchParams.get('error')).toBe('access_denied');
    });

    it('shows the same message for a wrong password and counts it', async () => {
      const browser = new TestBrowser(server.url);
      const login = await browser.follow(authorize(server, codeRequest(rp)));
      const again = await browser.submit(login, { username: 'alice', password: 'wrong password!!' });
      expect(again.status).toBe(200);
      expect(again.html).toContain('The username or password is wrong, or the account cannot sign in now.');
      expect(again.html).toContain('role="alert"');
      expect(again.html).toMatch(/name="username"[^>]*value="alice"|value="alice"[^>]*name="username"/);
      expect(again.html).not.toContain('wrong password!!');
    });
  });

  describe('implicit and form_post (when enabled)', () => {
    it('returns tokens in the fragment, and a code through form_post', async () => {
      const client = await createClient(lax, { grant_types: ['authorization_code', 'implicit'], response_types: ['code', 'id_token token'], redirect_uris: [REDIRECT], scope: 'openid' });
      const browser = new TestBrowser(lax.url);
      const implicit = await signIn(browser, authorize(lax, { client_id: client.client_id, response_type: 'id_token token', redirect_uri: REDIRECT, scope: 'openid', nonce: 'n-1', state: 'st' }));
      const fragment = new URLSearchParams(new URL(implicit.location!).hash.slice(1));
      expect(fragment.get('access_token')).toBeTruthy();
      expect(fragment.get('id_token')).toBeTruthy();
      expect(new URL(implicit.location!).search).toBe('');
      expect((await browser.request(authorize(lax, { client_id: client.client_id, response_type: 'id_token token', response_mode: 'query', redirect_uri: REDIRECT, scope: 'openid', nonce: 'n' }))).location).toMatch(/error=invalid_request/);

      const posted = await browser.request(authorize(lax, { client_id: client.client_id, response_type: 'code', response_mode: 'form_post', redirect_uri: REDIRECT, scope: 'openid', state: 'st' }));
      expect(posted.status).toBe(200);
      expect(posted.html).toContain(`action="${REDIRECT}"`);
      expect(posted.html).toMatch(/name="code" value="[A-Za-z0-9_-]{43}"/);
      expect(posted.headers.get('content-security-policy')).toContain('form-action https://rp.example');
    });
  });

  describe('review fixes', () => {
    it('keeps a registered query byte for byte and treats max_age=0 as a new sign-in', async () => {
      const odd = 'https://rp.example/q?next=/a%20b&flag&sig=abc%2Bdef';
      const client = await createClient(server, { grant_types: ['authorization_code'], redirect_uris: [odd], scope: 'openid' });
      const browser = new TestBrowser(server.url);
      const back = await signIn(browser, authorize(server, codeRequest(client, { redirect_uri: odd })));
      expect(back.location!.startsWith(`${odd}&code=`)).toBe(true);
      const again = await browser.follow(authorize(server, codeRequest(client, { redirect_uri: odd, max_age: '0' })));
      expect(again.html).toContain('name="password"');
    });

    it('answers by the client as it is now when it changed during the sign-in', async () => {
      const client = await createClient(server, { grant_types: ['authorization_code'], redirect_uris: [REDIRECT, 'https://rp.example/old'], scope: 'openid profile email' });
      const registration = server.app.get((await import('../src/oauth/registration/client-registration.service')).ClientRegistrationService);
      const browser = new TestBrowser(server.url);
      const login = await browser.follow(authorize(server, codeRequest(client, { redirect_uri: 'https://rp.example/old', scope: 'openid email' })));
      await registration.update(client.client_id, { redirect_uris: [REDIRECT] }, TEST_ACTOR);
      const gone = await browser.submit(login, { username: 'alice', password: 'correct horse battery' });
      expect(gone.status).toBe(400);
      expect(gone.location).toBeUndefined();
      const second = await browser.follow(authorize(server, codeRequest(client, { scope: 'openid email', prompt: 'consent' })));
      await registration.update(client.client_id, { scope: 'openid' }, TEST_ACTOR);
      const narrowed = await browser.submit(second, { decision: 'approve' });
      expect(new URL(narrowed.location!).searchParams.get('error')).toBe('invalid_scope');
    });

    it('signs in once when the login form is posted twice at the same time', async () => {
      const browser = new TestBrowser(server.url);
      const login = await browser.follow(authorize(server, codeRequest(rp, { scope: 'openid profile' })));
      const action = /action="([^"]+)"/.exec(login.html)![1].replace(/&amp;/g, '&');
      const csrf = /name="csrf" value="([^"]+)"/.exec(login.html)![1];
      const form = { csrf, username: 'alice', password: 'correct horse battery' };
      const answers = await Promise.all([browser.request(action, { form }), browser.request(action, { form })]);
      // One post starts a session; the other finds the interaction gone (400) or, arriving after the
      // first claimed it, is sent back to its current page (303, no code, no session): never a second sign-in.
      const signedIn = answers.filter((answer) => answer.headers.getSetCookie().some((cookie) => cookie.startsWith('grantry_session=')));
      expect(signedIn).toHaveLength(1);
      const other = answers.find((answer) => !signedIn.includes(answer))!;
      expect(other.status === 400 || (other.status === 303 && !new URL(other.location!).searchParams.has('code'))).toBe(true);
    });
  });

  describe('logout', () => {
    it('refuses a post_logout_redirect_uri the client did not register', async () => {
      const browser = new TestBrowser(server.url);
      for (const uri of ['https://evil.example/', 'https://rp.example/bye/x']) {
        const answer = await browser.request(`${server.url}/oauth2/logout?${new URLSearchParams({ client_id: rp.client_id, post_logout_redirect_uri: uri })}`);
        expect(answer.status).toBe(400);
        expect(answer.location).toBeUndefined();
      }
    });

    it('signs out after confirmation and returns to the registered URI with state', async () => {
      const browser = new TestBrowser(server.url);
      await signIn(browser, authorize(server, codeRequest(rp)));
      const confirm = await browser.follow(`${server.url}/oauth2/logout?${new URLSearchParams({ client_id: rp.client_id, post_logout_redirect_uri: 'https://rp.example/bye', state: 'bye-1' })}`);
      expect(confirm.html).toContain('value="approve"');
      const done = await browser.submit(confirm, { decision: 'approve' });
      expect(done.location).toBe('https://rp.example/bye?state=bye-1');
      expect((await browser.request(authorize(server, codeRequest(rp, { prompt: 'none' })))).location).toMatch(/error=login_required/);
    });
  });
});
