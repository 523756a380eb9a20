import { existsSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as openid from 'openid-client';
import { Browser, chromium } from 'playwright-core';
import type { ClientView } from '../src/clients/clients.service';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { track } from './support/resources';
import { createClient, startServer, stopServer, TestServer } from './support/server';

/** Debian's Chromium (TOOLCHAIN.md): `npx playwright install` cannot download browsers here. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/**
 * Issue 13 acceptance: a real browser (Debian's Chromium through playwright-core) signs in,
 * consents and lands on the client's redirect URI, a loopback HTTP server of the test's own;
 * the code it carries is then exchanged with PKCE. Unlike authorization-code.e2e-spec.ts (a
 * fetch driver), this runs the pages under their CSP, the form posts and the 303s as Chromium
 * does them: a `form-action` that refused the redirect to the client would stop it here.
 */
describe('browser sign-in in Chromium', () => {
  let server: TestServer | undefined;
  let callback: { server: Server; url: string; hits: string[]; close: () => Promise<void> } | undefined;
  let browser: Browser | undefined;
  let closeBrowser: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    // Fail, never skip: a missing browser must not turn the acceptance test green.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: this test needs Debian's Chromium — run \`apt-get install -y chromium\``);
    callback = await startCallbackServer();
    server = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    const launched = browser;
    closeBrowser = track('Chromium', () => launched.close());
  }, 60_000);

  afterAll(async () => {
    // Every one is attempted, failed start or not; the first error is rethrown.
    const results = await Promise.allSettled([closeBrowser?.(), callback?.close()]);
    await stopServer(server);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  });

  it('signs in, consents and lands on the redirect URI with the code, which then exchanges with PKCE', async () => {
    const redirectUri = `${callback!.url}/callback`;
    const rp: ClientView = await createClient(server!, {
      client_name: 'Shop',
      grant_types: ['authorization_code'],
      redirect_uris: [redirectUri],
      scope: 'openid profile',
    });
    const user = await server!.app.get(UsersService).create(parseUserInput({ username: 'alice', password: 'correct horse battery', claims: { name: 'Alice A' } }, true));

    const oidc = await openid.discovery(new URL(server!.url), rp.client_id, undefined, openid.ClientSecretBasic(rp.client_secret!), { execute: [openid.allowInsecureRequests] });
    const verifier = openid.randomPKCECodeVerifier();
    const state = openid.randomState();
    const nonce = openid.randomNonce();
    const authorizationUrl = openid.buildAuthorizationUrl(oidc, {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      code_challenge: await openid.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });

    const context = await browser!.newContext({ viewport: { width: 1000, height: 700 } });
    context.setDefaultTimeout(10_000); // well inside jest's 30 s, so a stuck step fails with Playwright's message
    const page = await context.newPage();
    // What Chromium complains about (CSP refusals arrive as console errors): reported on failure.
    const complaints: string[] = [];
    page.on('console', (message) => void (message.type() === 'error' || message.type() === 'warning' ? complaints.push(`${message.type()}: ${message.text()}`) : undefined));
    page.on('pageerror', (error) => void complaints.push(`pageerror: ${error.message}`));
    try {
      await page.goto(authorizationUrl.toString());
      expect(new URL(page.url()).pathname).toMatch(/^\/oauth2\/interaction\//);
      await page.locator('input[name="username"]').fill('alice');
      await page.locator('input[name="password"]').fill('correct horse battery');
      await page.locator('form button[type="submit"]').click();

      await page.locator('button[name="decision"][value="approve"]').waitFor();
      await page.locator('button[name="decision"][value="approve"]').click();

      await page.waitForURL((url) => url.href.startsWith(`${redirectUri}?`) && url.searchParams.has('code'), { timeout: 10_000 });
      const landed = new URL(page.url());
      expect(landed.origin + landed.pathname).toBe(redirectUri);
      expect(landed.searchParams.get('code')).toEqual(expect.any(String));
      expect(landed.searchParams.get('state')).toBe(state);
      expect(landed.searchParams.get('iss')).toBe(server!.url);
      await expect(page.locator('body').textContent()).resolves.toContain('signed in');
      expect(callback!.hits.filter((hit) => hit.startsWith('/callback'))).toEqual([landed.pathname + landed.search]);
      // The pages rendered under their own CSP: nothing refused, nothing thrown.
      expect(complaints).toEqual([]);

      // The code works: exchanged with the PKCE verifier (openid-client checks state, iss and the ID token).
      const tokens = await openid.authorizationCodeGrant(oidc, landed, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
      expect(tokens.access_token).toEqual(expect.any(String));
      expect(tokens.claims()).toMatchObject({ sub: user.id, aud: rp.client_id, iss: server!.url, nonce });
    } catch (error) {
      // Where the browser stopped, the page's own alert (a refused sign-in) and the console.
      const alert = page.isClosed() ? null : await page.locator('[role="alert"]').first().textContent({ timeout: 500 }).catch(() => null);
      process.stderr.write(`browser sign-in stopped at ${page.url()}${alert ? ` (alert: ${alert.trim()})` : ''}${complaints.length ? `; Chromium console:\n  ${complaints.join('\n  ')}` : ''}\n`);
      throw error;
    } finally {
      await context.close();
    }
  });

  // Issue 23 item 6: CSP cannot name http://[::1] in form-action, so the pages never widen it to
  // all of http:; the answer to the consent POST is a page that takes the browser on by itself.
  it('brings a native client\'s user back to its http://[::1] redirect URI without widening form-action', async () => {
    const ipv6 = await startCallbackServer('::1');
    try {
      const redirectUri = `${ipv6.url}/callback`;
      const native = await createClient(server!, {
        client_name: 'Desktop', grant_types: ['authorization_code'], token_endpoint_auth_method: 'none', application_type: 'native',
        redirect_uris: ['http://[::1]/callback'], scope: 'openid',
      });
      await server!.app.get(UsersService).create(parseUserInput({ username: 'nina', password: 'correct horse battery' }, true));
      const oidc = await openid.discovery(new URL(server!.url), native.client_id, undefined, openid.None(), { execute: [openid.allowInsecureRequests] });
      const verifier = openid.randomPKCECodeVerifier();
      const state = openid.randomState();
      const authorizationUrl = openid.buildAuthorizationUrl(oidc, { redirect_uri: redirectUri, scope: 'openid', code_challenge: await openid.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });

      const context = await browser!.newContext();
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      const complaints: string[] = [];
      page.on('console', (message) => void (message.type() === 'error' || message.type() === 'warning' ? complaints.push(`${message.type()}: ${message.text()}`) : undefined));
      const formActions: string[] = [];
      page.on('response', (response) => void (response.url().startsWith(server!.url) && formActions.push(/form-action ([^;]+)/.exec(response.headers()['content-security-policy'] ?? '')?.[1] ?? '')));
      try {
        await page.goto(authorizationUrl.toString());
        await page.locator('input[name="username"]').fill('nina');
        await page.locator('input[name="password"]').fill('correct horse battery');
        await page.locator('form button[type="submit"]').click();
        await page.locator('button[name="decision"][value="approve"]').click();
        await page.waitForURL((url) => url.href.startsWith(`${redirectUri}?`) && url.searchParams.has('code'), { timeout: 10_000 });
        const landed = new URL(page.url());
        expect(landed.searchParams.get('state')).toBe(state);
        expect(ipv6.hits.filter((hit) => hit.startsWith('/callback'))).toEqual([landed.pathname + landed.search]);
        expect(complaints).toEqual([]);
        // Never all of http:, on any page of the way.
        expect(formActions.filter(Boolean).every((sources) => !sources.split(' ').includes('http:'))).toBe(true);
        const tokens = await openid.authorizationCodeGrant(oidc, landed, { pkceCodeVerifier: verifier, expectedState: state });
        expect(tokens.access_token).toEqual(expect.any(String));
      } catch (error) {
        process.stderr.write(`browser sign-in stopped at ${page.url()}; Chromium console:\n  ${complaints.join('\n  ')}\n`);
        throw error;
      } finally {
        await context.close();
      }
    } finally {
      await ipv6.close();
    }
  });
});

/** The client's side: a loopback server answering every request with a small "signed in" page. */
async function startCallbackServer(host = '127.0.0.1'): Promise<{ server: Server; url: string; hits: string[]; close: () => Promise<void> }> {
  const hits: string[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    hits.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
    response.end('<!DOCTYPE html><html><head><title>signed in</title></head><body><p>signed in</p></body></html>');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
  const close = track(`callback server ${url}`, () => new Promise<void>((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  }));
  return { server, url, hits, close };
}
