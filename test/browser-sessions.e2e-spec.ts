import { createHash } from 'node:crypto';
import { UserLifecycle } from '../src/admin/user-lifecycle';
import type { ClientView } from '../src/clients/clients.service';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { TestBrowser } from './support/browser';
import { createClient, startServer, stopServer, TEST_ACTOR, TestServer } from './support/server';

const REDIRECT = 'https://rp.example/callback';
const PASSWORD = 'correct horse battery';
const FAST_SCRYPT = { users: { scrypt_log_n: 14, scrypt_p: 1 } };
const SIGN_IN_FAILED = 'The username or password is wrong, or the account cannot sign in now.';

/** One Set-Cookie header: its name, and its attributes by lower-case name (`true` for a flag). */
function parseSetCookie(header: string): { name: string; attributes: Record<string, string | true> } {
  const [pair, ...rest] = header.split(';');
  const attributes: Record<string, string | true> = {};
  for (const part of rest) {
    const at = part.indexOf('=');
    if (at < 0) attributes[part.trim().toLowerCase()] = true;
    else attributes[part.slice(0, at).trim().toLowerCase()] = part.slice(at + 1).trim();
  }
  return { name: pair.slice(0, pair.indexOf('=')).trim(), attributes };
}

function cookiesOf(headers: Headers) {
  return headers.getSetCookie().map(parseSetCookie);
}

/**
 * The browser session: its cookies (RFC 6265bis §4.1.2, §4.1.3; RFC 9700 §4.11), its lifetime,
 * the sign-out form's CSRF check, and who may get one at all — checks a sign-in that goes well
 * never reaches.
 */
describe('browser sessions', () => {
  let server: TestServer;
  let rp: ClientView;

  beforeAll(async () => {
    server = await startServer({ ...FAST_SCRYPT, login: { session_ttl: 60 } });
    rp = await relyingParty(server);
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD }, true));
  });
  afterAll(() => stopServer(server));

  function relyingParty(target: TestServer): Promise<ClientView> {
    return createClient(target, { client_name: 'Shop', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], post_logout_redirect_uris: ['https://rp.example/bye'], scope: 'openid' });
  }

  const authorize = (target: TestServer, client: ClientView, extra: Record<string, string> = {}) =>
    `${target.url}/oauth2/authorize?${new URLSearchParams({
      client_id: client.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: 'st',
      code_challenge: createHash('sha256').update('x'.repeat(43)).digest('base64url'), code_challenge_method: 'S256', ...extra,
    })}`;

  /** Signs `username` in and approves; returns the last answer (the redirect to the client). */
  async function signIn(browser: TestBrowser, target: TestServer, client: ClientView, username = 'alice') {
    const login = await browser.follow(authorize(target, client));
    const after = await browser.submit(login, { username, password: PASSWORD });
    return after.location?.startsWith(REDIRECT) ? after : browser.submit(after, { decision: 'approve' });
  }

  /** Posts the login page's form as it is, without following the answer: its Set-Cookie is the session's. */
  function postLogin(browser: TestBrowser, login: { html: string; url: string }) {
    const action = new URL(/action="([^"]+)"/.exec(login.html)![1].replace(/&amp;/g, '&'), login.url).toString();
    return browser.request(action, { form: { csrf: /name="csrf" value="([^"]+)"/.exec(login.html)![1], username: 'alice', password: PASSWORD } });
  }

  /** Where `prompt=none` sends the browser: a code while its session lives, else login_required. */
  async function silently(browser: TestBrowser, target: TestServer, client: ClientView): Promise<URLSearchParams> {
    const answer = await browser.request(authorize(target, client, { prompt: 'none' }));
    expect(answer.location?.startsWith(`${REDIRECT}?`)).toBe(true);
    return new URL(answer.location!).searchParams;
  }

  describe('cookies', () => {
    it('over http (development): HttpOnly, SameSite=Lax, host-only, and no Secure a plain-http browser would drop', async () => {
      const browser = new TestBrowser(server.url);
      const started = await browser.request(authorize(server, rp));
      expect(cookiesOf(started.headers)).toEqual([{ name: 'grantry_interaction', attributes: { path: '/', httponly: true, samesite: 'Lax' } }]);

      const signedIn = await postLogin(browser, await browser.follow(started.location!));
      expect(cookiesOf(signedIn.headers)).toEqual([{ name: 'grantry_session', attributes: { path: '/', httponly: true, samesite: 'Lax', 'max-age': '60' } }]);
    });

    it('over an https issuer: __Host- names, Secure, HttpOnly and SameSite, on setting and on clearing', async () => {
      // The listener is plain http on loopback (a proxy terminates TLS); the issuer, and so the cookies, are https.
      const secure = await startServer({ ...FAST_SCRYPT, server: { base_url: 'https://login.example' } });
      try {
        const client = await relyingParty(secure);
        await secure.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD }, true));
        const browser = new TestBrowser(secure.url);

        const started = await browser.request(authorize(secure, client));
        // Lax: the interaction pages are top-level navigations and posts of grantry's own forms.
        expect(cookiesOf(started.headers)).toEqual([{ name: '__Host-grantry_interaction', attributes: { path: '/', httponly: true, samesite: 'Lax', secure: true } }]);

        const signedIn = await postLogin(browser, await browser.follow(started.location!));
        // None: a form_post answer and a prompt=none request from the client's site still carry the session.
        expect(cookiesOf(signedIn.headers)).toEqual([{ name: '__Host-grantry_session', attributes: { path: '/', httponly: true, samesite: 'None', secure: true, 'max-age': '86400' } }]);
        expect(browser.has('grantry_session')).toBe(false);
        const consent = await browser.follow(signedIn.location!);
        await browser.submit(consent, { decision: 'approve' });
        expect((await silently(browser, secure, client)).get('code')).toEqual(expect.any(String));

        const confirm = await browser.follow(`${secure.url}/oauth2/logout`);
        const signedOut = await browser.request(`${secure.url}/oauth2/logout`, { form: { csrf: /name="csrf" value="([^"]+)"/.exec(confirm.html)![1], decision: 'approve' } });
        // A browser ignores a __Host- cookie without Secure and Path=/, deletions included.
        expect(cookiesOf(signedOut.headers)).toEqual([{ name: '__Host-grantry_session', attributes: { path: '/', httponly: true, samesite: 'None', secure: true, 'max-age': '0' } }]);
      } finally {
        await stopServer(secure);
      }
    }, 60_000);
  });

  it('asks an expired session to sign in again: prompt=none answers login_required', async () => {
    const browser = new TestBrowser(server.url);
    await signIn(browser, server, rp);
    expect((await silently(browser, server, rp)).get('code')).toEqual(expect.any(String));
    // [login] session_ttl = 60: a minute later (a fake clock), the cookie the browser still sends names an ended session.
    const realNow = Date.now.bind(Date);
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);
    try {
      const params = await silently(browser, server, rp);
      expect(Object.fromEntries(params)).toEqual({ error: 'login_required', error_description: 'the user must interact with the authorization server', state: 'st', iss: server.url });
      const page = await browser.follow(authorize(server, rp));
      expect(page.html).toContain('name="password"');
    } finally {
      clock.mockRestore();
    }
  });

  it('keeps the session when the sign-out form comes without its CSRF token or with a wrong one', async () => {
    const browser = new TestBrowser(server.url);
    await signIn(browser, server, rp);
    const logout = `${server.url}/oauth2/logout?${new URLSearchParams({ client_id: rp.client_id, post_logout_redirect_uri: 'https://rp.example/bye' })}`;
    const confirm = await browser.follow(logout);
    expect(confirm.html).toContain('value="approve"');
    // Another browser's own, valid sign-out token: tied to that session, worthless for this one.
    const other = new TestBrowser(server.url);
    await signIn(other, server, rp);
    const othersToken = /name="csrf" value="([^"]+)"/.exec((await other.follow(logout)).html)![1];

    for (const csrf of [undefined, 'forged', othersToken]) {
      const answer = await browser.request(logout, { form: { decision: 'approve', ...(csrf === undefined ? {} : { csrf }) } });
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expect(answer.html).toContain('The sign-out form has expired. Try again.');
      expect(answer.headers.getSetCookie()).toEqual([]);
      expect((await silently(browser, server, rp)).get('code')).toEqual(expect.any(String));
    }
    // With its own token the same form signs out.
    const done = await browser.submit(confirm, { decision: 'approve' });
    expect(done.location).toBe('https://rp.example/bye');
    expect((await silently(browser, server, rp)).get('error')).toBe('login_required');
  });

  it('gives a disabled user no session, with the right password, and the same words as a wrong one', async () => {
    const users = server.app.get(UsersService);
    const bob = await users.create(parseUserInput({ username: 'bob', password: PASSWORD }, true));
    await server.app.get(UserLifecycle).update(bob.id, parseUserInput({ enabled: false }, false), TEST_ACTOR);
    const browser = new TestBrowser(server.url);
    const login = await browser.follow(authorize(server, rp));
    const answer = await browser.submit(login, { username: 'bob', password: PASSWORD });
    expect(answer.status).toBe(200);
    expect(answer.html).toContain(SIGN_IN_FAILED);
    expect(answer.headers.getSetCookie()).toEqual([]);
    expect(browser.has('grantry_session')).toBe(false);
    expect((await silently(browser, server, rp)).get('error')).toBe('login_required');
  });
});
