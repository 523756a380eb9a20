import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify } from 'jose';
import * as openid from 'openid-client';
import { chromium } from 'playwright-core';
import type { ClientView } from '../src/clients/clients.service';
import { IssuerContext } from '../src/common/issuer-context';
import type { RequestContext } from '../src/common/request-context';
import { InteractionGone } from '../src/oauth/authorization/interaction/interaction-gone';
import { Interactions } from '../src/oauth/authorization/interaction/interactions';
import { Sessions } from '../src/oauth/authorization/session/sessions';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { adminCall } from './support/admin-api';
import { TestBrowser } from './support/browser';
import { track } from './support/resources';
import { adminToken, basic, createClient, startServer, stopServer, TestServer } from './support/server';

const REDIRECT = 'https://rp.example/callback';
const BYE = 'https://rp.example/bye';
const PASSWORD = 'correct horse battery';
const FAST_SCRYPT = { users: { scrypt_log_n: 14, scrypt_p: 1 } };
const INTERACTION_GONE = 'This sign-in has expired or was already finished.';
/** Two tenants besides the default one; the first is the seed's. */
/** Debian's Chromium (TOOLCHAIN.md), as browser-sign-in.e2e-spec.ts runs it. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const D = 'wso2.com';
const E = 'acme.example';

/** One issuer of the server: the default one (no domain) or a tenant's, with its relying party and its user. */
interface Issuer {
  domain?: string;
  /** `<base_url>` or `<base_url>/t/{domain}`. */
  issuer: string;
  /** The path its endpoints live under: '' or `/t/{domain}`. */
  prefix: string;
  /** Its session cookie's name: `grantry_session`, or `grantry_session.<domain>` for a tenant. */
  sessionCookie: string;
  bindingCookie: string;
  rp: ClientView;
  userId: string;
}

/**
 * Issue 26 acceptance: the sign-in flow (code + PKCE + OIDC, driven by openid-client) in a
 * non-default tenant, its pages and forms under `/t/{domain}`, and cookies not shared between
 * tenants — each tenant's cookies carry its domain in their names, and sessions and interactions
 * are found by (tenant, secret or id), so neither a cookie sent along nor one copied under another
 * tenant's name signs anybody in elsewhere. A fetch-driven browser (test/support/browser.ts) sees
 * every hop and every Set-Cookie; browser-sign-in.e2e-spec.ts runs the same pages in Chromium.
 */
describe('sign-in in a tenant, cookies kept apart', () => {
  let server: TestServer;
  let issuers: IssuerContext;
  const tenants: Record<string, Issuer> = {};
  let home: Issuer;

  beforeAll(async () => {
    server = await startServer(FAST_SCRYPT);
    issuers = server.app.get(IssuerContext);
    const superAdmin = await adminToken(server, { superAdmin: true }); // tenants are a super-admin's (SuperAdminGuard)
    for (const domain of [D, E]) {
      const created = await adminCall(server.url, superAdmin, 'POST', '/tenants', { domain, display_name: `Tenant ${domain}` });
      expect(created.status).toBe(201);
    }
    home = await issuerWithUser(undefined);
    for (const domain of [D, E]) tenants[domain] = await issuerWithUser(domain);
  }, 60_000);
  afterAll(() => stopServer(server));

  /**
   * An issuer's relying party and user, made through its own admin API (`/t/{domain}/api/admin/v1`)
   * with a token of its own admin client. That admin client is registered in-process, in the
   * tenant's context, as the CLI's `clients create --tenant` does: the bootstrap step of a tenant.
   */
  async function issuerWithUser(domain: string | undefined): Promise<Issuer> {
    const context = domain ? await issuers.forDomain(domain) : issuers.default;
    const admin = await issuers.run(context, () => createClient(server, { client_name: 'admin', grant_types: ['client_credentials'], scope: 'admin' }));
    const issuer = context.issuer;
    const tokenResponse = await fetch(`${issuer}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: basic(admin.client_id, admin.client_secret!), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin' }),
    });
    expect(tokenResponse.status).toBe(200);
    const token = ((await tokenResponse.json()) as { access_token: string }).access_token;
    const rp = await adminCall(issuer, token, 'POST', '/clients', {
      client_name: `Shop of ${domain ?? 'the default tenant'}`, grant_types: ['authorization_code'], redirect_uris: [REDIRECT], post_logout_redirect_uris: [BYE], scope: 'openid profile',
    });
    expect(rp.status).toBe(201);
    // The same username in every issuer: only the tenant tells them apart.
    const user = await adminCall(issuer, token, 'POST', '/users', { username: 'alice', password: PASSWORD, claims: { name: `Alice of ${domain ?? 'the default tenant'}` } });
    expect(user.status).toBe(201);
    const suffix = domain ? `.${domain}` : '';
    return { domain, issuer, prefix: context.pathPrefix, sessionCookie: `grantry_session${suffix}`, bindingCookie: `grantry_interaction${suffix}`, rp: rp.body as ClientView, userId: user.body.id as string };
  }

  const contextOf = (domain: string): Promise<RequestContext> => issuers.forDomain(domain);

  const CHALLENGE = createHash('sha256').update('x'.repeat(43)).digest('base64url');
  const authorize = (at: Issuer, extra: Record<string, string> = {}) =>
    `${at.issuer}/oauth2/authorize?${new URLSearchParams({ client_id: at.rp.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: 'st', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...extra })}`;

  /** The form actions of a page, as written in its HTML. */
  const actionsOf = (html: string) => [...html.matchAll(/<form\b[^>]*action="([^"]*)"/g)].map((match) => match[1].replace(/&amp;/g, '&'));

  /** Signs alice in at `at` and approves; every page and form on the way is the issuer's own. Returns the redirect to the client. */
  async function signIn(browser: TestBrowser, at: Issuer, url = authorize(at)): Promise<string> {
    const login = await browser.follow(url);
    expect(login.url.startsWith(`${at.issuer}/oauth2/interaction/`)).toBe(true);
    expect(actionsOf(login.html)).toEqual([expect.stringMatching(new RegExp(`^${at.prefix.replace(/\./g, '\\.')}/oauth2/interaction/[^/]+/login$`))]);
    const after = await browser.submit(login, { username: 'alice', password: PASSWORD });
    if (after.location?.startsWith(REDIRECT)) return after.location;
    expect(after.url.startsWith(`${at.issuer}/oauth2/interaction/`)).toBe(true);
    expect(actionsOf(after.html)).toEqual([expect.stringMatching(new RegExp(`^${at.prefix.replace(/\./g, '\\.')}/oauth2/interaction/[^/]+/consent$`))]);
    const approved = await browser.submit(after, { decision: 'approve' });
    expect(approved.location?.startsWith(`${REDIRECT}?`)).toBe(true);
    return approved.location!;
  }

  /** Where `prompt=none` at `at` sends the browser: a code while it has a session there, else login_required. */
  async function silently(browser: TestBrowser, at: Issuer): Promise<Record<string, string>> {
    const answer = await browser.request(authorize(at, { prompt: 'none' }));
    expect(answer.location?.startsWith(`${REDIRECT}?`)).toBe(true);
    const params = Object.fromEntries(new URL(answer.location!).searchParams);
    expect(params.iss).toBe(at.issuer);
    return params;
  }
  const signedIn = (params: Record<string, string>) => (params.code ? 'signed in' : params.error);

  /** Code + PKCE + OIDC with openid-client against the issuer's discovery document: the token response. */
  async function codeFlow(browser: TestBrowser, at: Issuer) {
    const oidc = await openid.discovery(new URL(at.issuer), at.rp.client_id, undefined, openid.ClientSecretBasic(at.rp.client_secret!), { execute: [openid.allowInsecureRequests] });
    const verifier = openid.randomPKCECodeVerifier();
    const state = openid.randomState();
    const nonce = openid.randomNonce();
    const url = openid.buildAuthorizationUrl(oidc, { redirect_uri: REDIRECT, scope: 'openid profile', code_challenge: await openid.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
    const landed = await signIn(browser, at, url.toString());
    // openid-client checks state, iss (RFC 9207) and the ID token's claims against the discovery document.
    const tokens = await openid.authorizationCodeGrant(oidc, new URL(landed), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    return { oidc, tokens, nonce };
  }

  async function jwksOf(at: Issuer) {
    return createLocalJWKSet((await (await fetch(`${at.issuer}/oauth2/jwks`)).json()) as { keys: [] });
  }

  it('signs in with code + PKCE + OIDC under /t/{domain}: the ID token is the tenant\'s, verified by its JWKS alone', async () => {
    const d = tenants[D];
    const browser = new TestBrowser(server.url);
    const { oidc, tokens, nonce } = await codeFlow(browser, d);
    expect(oidc.serverMetadata()).toMatchObject({ issuer: `${server.url}/t/${D}`, authorization_endpoint: `${server.url}/t/${D}/oauth2/authorize`, end_session_endpoint: `${server.url}/t/${D}/oauth2/logout` });
    expect(tokens.claims()).toMatchObject({ iss: `${server.url}/t/${D}`, sub: d.userId, aud: d.rp.client_id, nonce });

    const idToken = tokens.id_token!;
    await expect(jwtVerify(idToken, await jwksOf(d), { issuer: d.issuer, audience: d.rp.client_id })).resolves.toBeDefined();
    // Neither the default tenant's keys nor another tenant's verify it.
    for (const other of [home, tenants[E]]) await expect(jwtVerify(idToken, await jwksOf(other))).rejects.toThrow();

    // The tenant's userinfo answers for its user.
    await expect(openid.fetchUserInfo(oidc, tokens.access_token, d.userId)).resolves.toMatchObject({ sub: d.userId, name: `Alice of ${D}` });
    // The browser holds the tenant's cookies only, named after it.
    expect(browser.cookieNames().sort()).toEqual([`grantry_interaction.${D}`, `grantry_session.${D}`]);
  });

  it('signs in through the seed\'s ?tenantDomain= form: the browser is sent to the tenant\'s path, its pages and cookies', async () => {
    const d = tenants[D];
    const browser = new TestBrowser(server.url);
    const seedForm = authorize(d).replace(`${d.issuer}/oauth2/authorize?`, `${server.url}/oauth2/authorize?tenantDomain=${D}&`);
    const redirected = await browser.request(seedForm);
    expect({ status: redirected.status, location: redirected.location }).toEqual({ status: 303, location: authorize(d) });
    const landed = new URL(await signIn(browser, d, seedForm));
    expect({ iss: landed.searchParams.get('iss'), code: typeof landed.searchParams.get('code') }).toEqual({ iss: d.issuer, code: 'string' });
    expect(browser.has(d.sessionCookie) && !browser.has(home.sessionCookie)).toBe(true);
  });

  it('a session of one tenant signs the browser in neither at the default tenant nor at another (prompt=none: login_required)', async () => {
    const browser = new TestBrowser(server.url);
    await signIn(browser, tenants[D]);
    expect(signedIn(await silently(browser, tenants[D]))).toBe('signed in');
    // The browser sends D's cookie everywhere (Path=/): its name is D's, which neither of the others reads.
    expect(signedIn(await silently(browser, home))).toBe('login_required');
    expect(signedIn(await silently(browser, tenants[E]))).toBe('login_required');
  });

  it('a session cookie of one tenant copied under another\'s cookie name resolves to no session there', async () => {
    const browser = new TestBrowser(server.url);
    await signIn(browser, tenants[D]);
    const secret = browser.cookie(tenants[D].sessionCookie)!;
    expect(secret).toEqual(expect.any(String));
    browser.setCookie(tenants[E].sessionCookie, secret);
    browser.setCookie(home.sessionCookie, secret);
    expect(signedIn(await silently(browser, tenants[E]))).toBe('login_required');
    expect(signedIn(await silently(browser, home))).toBe('login_required');
    expect(signedIn(await silently(browser, tenants[D]))).toBe('signed in');
    // The store itself finds the session by (tenant, secret): in D only. (Over HTTP its user, looked up
    // by tenant too, would also be missing elsewhere; this checks the first of the two layers alone.)
    const sessions = server.app.get(Sessions);
    expect(await issuers.run(await contextOf(D), () => sessions.current(secret))).toMatchObject({ userId: tenants[D].userId });
    for (const other of [await contextOf(E), issuers.default]) expect(await issuers.run(other, () => sessions.current(secret))).toBeUndefined();
  });

  it('an interaction of one tenant, shown or posted at another\'s path with its binding cookie copied, is gone there', async () => {
    const d = tenants[D];
    const browser = new TestBrowser(server.url);
    const login = await browser.follow(authorize(d));
    const id = /\/oauth2\/interaction\/([^/?]+)$/.exec(new URL(login.url).pathname)![1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(login.html)![1];
    const binding = browser.cookie(d.bindingCookie)!;
    for (const other of [tenants[E], home]) {
      browser.setCookie(other.bindingCookie, binding);
      const shown = await browser.request(`${other.issuer}/oauth2/interaction/${id}`);
      expect({ status: shown.status, gone: shown.html.includes(INTERACTION_GONE) }).toEqual({ status: 400, gone: true });
      const posted = await browser.request(`${other.issuer}/oauth2/interaction/${id}/login`, { form: { csrf, username: 'alice', password: PASSWORD } });
      expect({ status: posted.status, gone: posted.html.includes(INTERACTION_GONE), cookies: posted.headers.getSetCookie() }).toEqual({ status: 400, gone: true, cookies: [] });
    }
    expect(browser.has(home.sessionCookie) || browser.has(tenants[E].sessionCookie)).toBe(false);
    // The store itself finds the interaction by (tenant, id): in D only. (Over HTTP its client, looked
    // up by tenant too, would also be missing elsewhere; this checks the first of the two layers alone.)
    const interactions = server.app.get(Interactions);
    await expect(issuers.run(await contextOf(D), () => interactions.load(binding, id))).resolves.toMatchObject({ id });
    for (const other of [await contextOf(E), issuers.default]) await expect(issuers.run(other, () => interactions.load(binding, id))).rejects.toBeInstanceOf(InteractionGone);
    // At its own tenant the same form signs the user in.
    const own = await browser.request(`${d.issuer}/oauth2/interaction/${id}/login`, { form: { csrf, username: 'alice', password: PASSWORD } });
    expect(own.status).toBe(303);
    expect(browser.has(d.sessionCookie)).toBe(true);
  });

  it('signing out at one tenant ends its session only: the same browser\'s session at another lives on', async () => {
    const [d, e] = [tenants[D], tenants[E]];
    const browser = new TestBrowser(server.url);
    await signIn(browser, d);
    await signIn(browser, e);
    // One browser, two sessions, each under its own tenant's cookie name.
    expect(signedIn(await silently(browser, d))).toBe('signed in');
    expect(signedIn(await silently(browser, e))).toBe('signed in');

    const confirm = await browser.follow(`${d.issuer}/oauth2/logout?${new URLSearchParams({ client_id: d.rp.client_id, post_logout_redirect_uri: BYE, state: 'bye' })}`);
    expect(confirm.status).toBe(200);
    // The sign-out form posts back to the tenant, where its cookie is read.
    expect(actionsOf(confirm.html)).toEqual([`${d.prefix}/oauth2/logout?client_id=${d.rp.client_id}&post_logout_redirect_uri=${encodeURIComponent(BYE)}&state=bye`]);
    const signedOut = await browser.submit(confirm, { decision: 'approve' });
    expect(signedOut.location).toBe(`${BYE}?state=bye`);

    expect(browser.has(d.sessionCookie)).toBe(false);
    expect(signedIn(await silently(browser, d))).toBe('login_required');
    expect(signedIn(await silently(browser, e))).toBe('signed in');
  });

  it('refuses another tenant\'s ID token as id_token_hint at the logout endpoint', async () => {
    const [d, e] = [tenants[D], tenants[E]];
    const hintOf = async (at: Issuer) => (await codeFlow(new TestBrowser(server.url), at)).tokens.id_token!;
    const [ofD, ofE] = [await hintOf(d), await hintOf(e)];
    const logout = (at: Issuer, hint: string) => new TestBrowser(server.url).request(`${at.issuer}/oauth2/logout?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: BYE })}`);

    for (const [at, hint] of [[d, ofE], [e, ofD], [home, ofD]] as const) {
      const refused = await logout(at, hint);
      expect({ status: refused.status, refused: refused.html.includes('id_token_hint is not an ID token of this server') }).toEqual({ status: 400, refused: true });
    }
    // Its own tenant's hint names the client, whose registered URI the browser returns to.
    expect((await logout(d, ofD)).location).toBe(BYE);
  });

  // What Chromium does with the pages and cookies does not depend on the database: the SQLite leg runs it.
  (process.env.DATABASE_URL ? it.skip : it)('in Chromium: signs in at two tenants under their own cookies, and signs out of one only', async () => {
    // Fail, never skip: a missing browser must not turn the acceptance test green.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: this test needs Debian's Chromium — run \`apt-get install -y chromium\``);
    const [d, e] = [tenants[D], tenants[E]];
    const launched = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    const close = track('Chromium', () => launched.close());
    try {
      const context = await launched.newContext();
      context.setDefaultTimeout(10_000);
      // The client's side answers here, without a server of its own.
      await context.route(`${new URL(REDIRECT).origin}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>rp</title><p>back at the client</p>' }));
      const page = await context.newPage();
      const complaints: string[] = [];
      page.on('console', (message) => void (message.type() === 'error' ? complaints.push(message.text()) : undefined));
      const signInAt = async (at: Issuer) => {
        await page.goto(authorize(at));
        expect(new URL(page.url()).pathname.startsWith(`${at.prefix}/oauth2/interaction/`)).toBe(true);
        await page.locator('input[name="username"]').fill('alice');
        await page.locator('input[name="password"]').fill(PASSWORD);
        await page.locator('form button[type="submit"]').click();
        // The consent page, unless an earlier test's consent of this user is remembered.
        const approve = page.locator('button[name="decision"][value="approve"]');
        await approve.or(page.getByText('back at the client')).waitFor();
        if (await approve.isVisible()) await approve.click();
        await page.waitForURL((url) => url.href.startsWith(`${REDIRECT}?`) && url.searchParams.has('code'));
      };
      // prompt=none with the context's cookies, as Chromium keeps them (its request API shares the jar).
      const silentlyAt = async (at: Issuer) => {
        const answer = await context.request.get(authorize(at, { prompt: 'none' }), { maxRedirects: 0 });
        const landed = new URL(answer.headers().location);
        expect(landed.href.startsWith(`${REDIRECT}?`)).toBe(true);
        return landed.searchParams.has('code') ? 'signed in' : landed.searchParams.get('error');
      };
      const names = async () => (await context.cookies(server.url)).map((cookie) => cookie.name).sort();

      await signInAt(d);
      expect(await names()).toEqual([d.bindingCookie, d.sessionCookie]);
      expect(await silentlyAt(e)).toBe('login_required');
      expect(await silentlyAt(home)).toBe('login_required');
      await signInAt(e);
      expect(await names()).toEqual([e.bindingCookie, e.sessionCookie, d.bindingCookie, d.sessionCookie].sort());
      expect(await silentlyAt(d)).toBe('signed in');

      await page.goto(`${d.issuer}/oauth2/logout?${new URLSearchParams({ client_id: d.rp.client_id, post_logout_redirect_uri: BYE })}`);
      await page.locator('button[name="decision"][value="approve"]').click();
      await page.waitForURL((url) => url.href.startsWith(BYE));
      expect(await names()).toEqual([e.bindingCookie, e.sessionCookie, d.bindingCookie].sort());
      expect(await silentlyAt(d)).toBe('login_required');
      expect(await silentlyAt(e)).toBe('signed in');
      // The pages ran under their CSP (form-action 'self' and the client's origin): nothing refused.
      expect(complaints).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});

/** Over an https issuer (a proxy in front terminates TLS) a tenant's cookies keep `__Host-`, Secure and Path=/. */
describe('a tenant\'s cookies over an https issuer', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ ...FAST_SCRYPT, server: { base_url: 'https://login.example' } });
  });
  afterAll(() => stopServer(server));

  it('names them __Host-<name>.<domain>, with Secure, HttpOnly and Path=/, on setting and on clearing', async () => {
    const created = await adminCall(server.url, await adminToken(server, { superAdmin: true }), 'POST', '/tenants', { domain: D, display_name: 'WSO2' });
    expect(created.status).toBe(201);
    const issuers = server.app.get(IssuerContext);
    const context = await issuers.forDomain(D);
    const rp = await issuers.run(context, () => createClient(server, { client_name: 'Shop', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' }));
    await issuers.run(context, () => server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD }, true)));
    const cookiesOf = (headers: Headers) => headers.getSetCookie().map((cookie) => cookie.replace(/=[^;]*;/, '=…;'));

    // The listener is plain http on loopback; the pages' Locations are paths, so the browser stays on it.
    const browser = new TestBrowser(server.url);
    const started = await browser.request(`${server.url}/t/${D}/oauth2/authorize?${new URLSearchParams({ client_id: rp.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge: createHash('sha256').update('x'.repeat(43)).digest('base64url'), code_challenge_method: 'S256' })}`);
    expect(started.location).toBe(`${server.url}/t/${D}/oauth2/interaction/${/\/interaction\/([^/?]+)/.exec(started.location!)![1]}`);
    expect(cookiesOf(started.headers)).toEqual([`__Host-grantry_interaction.${D}=…; Path=/; HttpOnly; SameSite=Lax; Secure`]);

    const login = await browser.follow(started.location!);
    const signedIn = await browser.submit(login, { username: 'alice', password: PASSWORD });
    expect(signedIn.status).toBe(200); // the consent page
    expect(browser.has(`__Host-grantry_session.${D}`)).toBe(true);
    const confirm = await browser.follow(`${server.url}/t/${D}/oauth2/logout`);
    const signedOut = await browser.request(`${server.url}/t/${D}/oauth2/logout`, { form: { csrf: /name="csrf" value="([^"]+)"/.exec(confirm.html)![1], decision: 'approve' } });
    expect(signedOut.status).toBe(200);
    expect(cookiesOf(signedOut.headers)).toEqual([`__Host-grantry_session.${D}=…; Path=/; HttpOnly; SameSite=None; Secure; Max-Age=0`]);
    expect(browser.has(`__Host-grantry_session.${D}`)).toBe(false);
  });
});
