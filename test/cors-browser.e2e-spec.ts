import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Browser, chromium, Page } from 'playwright-core';
import type { ClientView } from '../src/clients/clients.service';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { track } from './support/resources';
import { createClient, startServer, stopServer, TestServer } from './support/server';

/** Debian's Chromium (TOOLCHAIN.md): `npx playwright install` cannot download browsers here. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** What a page's `fetch` ended in: the status and body it could read, or the browser's refusal. */
type Outcome = { status: number; body: unknown } | { refused: string };

/**
 * Issue 23 item 10 in a real browser: a single-page app on its own loopback origin signs the user
 * in, then exchanges the code and calls userinfo with `fetch` — Chromium sends the Origin, the
 * preflight (userinfo's Authorization header) and enforces the answers, so a missing or wrong
 * CORS header fails here as it would for a user. A page of another origin cannot read the same
 * endpoints, nor the admin API; any page reads discovery and JWKS.
 */
describe('CORS in Chromium', () => {
  let server: TestServer | undefined;
  let spaSite: Site | undefined;
  let foreignSite: Site | undefined;
  let browser: Browser | undefined;
  let closeBrowser: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    // Fail, never skip: a missing browser must not turn this test green.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: this test needs Debian's Chromium — run \`apt-get install -y chromium\``);
    spaSite = await startSite('single-page app');
    foreignSite = await startSite('another site');
    server = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    const launched = browser;
    closeBrowser = track('Chromium', () => launched.close());
  }, 60_000);

  afterAll(async () => {
    const results = await Promise.allSettled([closeBrowser?.(), spaSite?.close(), foreignSite?.close()]);
    await stopServer(server);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  });

  /** `fetch` run by the page itself, under its origin. */
  function pageFetch(page: Page, url: string, init: { method?: string; headers?: Record<string, string>; form?: Record<string, string> } = {}): Promise<Outcome> {
    return page.evaluate(async ({ url, init }) => {
      try {
        const response = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: init.form ? new URLSearchParams(init.form) : undefined });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : null };
      } catch (error) {
        return { refused: (error as Error).message };
      }
    }, { url, init });
  }

  it('lets the app\'s own origin exchange the code and call userinfo; another origin reads neither, nor the admin API', async () => {
    const callback = `${spaSite!.url}/callback`;
    const spa: ClientView = await createClient(server!, { client_name: 'SPA', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], redirect_uris: [callback], scope: 'openid profile' });
    await server!.app.get(UsersService).create(parseUserInput({ username: 'alice', password: 'correct horse battery', claims: { name: 'Alice A' } }, true));
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${server!.url}/oauth2/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: spa.client_id,
      redirect_uri: callback,
      scope: 'openid profile',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();

    const context = await browser!.newContext();
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      await page.goto(authorize.toString());
      await page.locator('input[name="username"]').fill('alice');
      await page.locator('input[name="password"]').fill('correct horse battery');
      await page.locator('form button[type="submit"]').click();
      await page.locator('button[name="decision"][value="approve"]').click();
      await page.waitForURL((url) => url.href.startsWith(`${callback}?`) && url.searchParams.has('code'));
      const code = new URL(page.url()).searchParams.get('code')!;

      // The app's page (origin http://127.0.0.1:<its port>, the default of a public client) reads the answers.
      const tokens = await pageFetch(page, `${server!.url}/oauth2/token`, {
        method: 'POST',
        form: { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: callback, client_id: spa.client_id },
      });
      expect(tokens).toMatchObject({ status: 200, body: { token_type: 'Bearer', access_token: expect.any(String) } });
      const accessToken = (tokens as { body: { access_token: string } }).body.access_token;
      // Authorization makes this a preflighted request: the preflight and the answer both pass.
      const userinfo = await pageFetch(page, `${server!.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(userinfo).toMatchObject({ status: 200, body: { name: 'Alice A' } });
      expect(await pageFetch(page, `${server!.url}/.well-known/openid-configuration`)).toMatchObject({ status: 200, body: { issuer: server!.url } });

      // Another site's page: the same calls reach grantry, but Chromium withholds the answers.
      const foreign = await context.newPage();
      await foreign.goto(`${foreignSite!.url}/`);
      expect(await pageFetch(foreign, `${server!.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).toEqual({ refused: 'Failed to fetch' });
      expect(await pageFetch(foreign, `${server!.url}/oauth2/token`, { method: 'POST', form: { grant_type: 'authorization_code', code: 'x', client_id: spa.client_id } })).toEqual({ refused: 'Failed to fetch' });
      expect(await pageFetch(foreign, `${server!.url}/api/admin/v1/clients`, { headers: { authorization: `Bearer ${accessToken}` } })).toEqual({ refused: 'Failed to fetch' });
      // Public documents are for everyone.
      expect(await pageFetch(foreign, `${server!.url}/oauth2/jwks`)).toMatchObject({ status: 200, body: { keys: expect.any(Array) } });
    } finally {
      await context.close();
    }
  });
});

interface Site {
  url: string;
  close: () => Promise<void>;
}

/** A loopback web site of its own origin, serving one empty page at every path. */
async function startSite(name: string): Promise<Site> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
    response.end(`<!DOCTYPE html><html><head><title>${name}</title></head><body><p>${name}</p></body></html>`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = track(`${name} ${url}`, () => new Promise<void>((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  }));
  return { url, close };
}
