import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openid from 'openid-client';
import { DataSource } from 'typeorm';
import { PASSWORD_ACR } from '../src/oauth/authorization/interaction/password.login-step';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { TestBrowser } from './support/browser';
import { createClient, startServer, stopServer, TestServer } from './support/server';

const REDIRECT = 'https://rp.example/callback';

/** A second factor as a drop-in module: it describes its page, grantry renders and runs it. */
const OTP_STEP = `
module.exports = class OneTimeCode {
  constructor({ properties }) { this.code = properties.code; }
  page() { return { heading: 'Enter your code', intro: 'From your authenticator app', fields: [{ name: 'otp', label: 'Code', autocomplete: 'one-time-code', inputmode: 'numeric' }] }; }
  async submit(context, form) {
    if (form.csrf !== undefined || form.password !== undefined) return { ok: false, error: 'the step saw a field that is not its own' };
    return form.otp === this.code ? { ok: true, userId: context.userId, amr: ['otp'] } : { ok: false, error: 'That code is not right.' };
  }
};
`;

/** Issue 13, item 7: signing a user in is an ordered, configurable extension point. */
describe('login steps: a second factor as a drop-in plugin', () => {
  let dir: string;
  let server: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-steps-'));
    writeFileSync(join(dir, 'otp.js'), OTP_STEP);
    writeFileSync(join(dir, 'broken.js'), 'module.exports = class Broken { submit() {} };');
    server = await startServer({
      users: { scrypt_log_n: 14, scrypt_p: 1 },
      login: { authenticator: [{ id: 'password', order: 100 }, { id: 'otp', module: join(dir, 'otp.js'), order: 200, properties: { code: '424242' } }] },
    });
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: 'correct horse battery' }, true));
  });
  afterAll(async () => {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for the code after the password, refuses a wrong one, and records both in amr', async () => {
    const client = await createClient(server, { grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
    const oidc = await openid.discovery(new URL(server.url), client.client_id, undefined, openid.ClientSecretBasic(client.client_secret!), { execute: [openid.allowInsecureRequests] });
    const verifier = openid.randomPKCECodeVerifier();
    const url = openid.buildAuthorizationUrl(oidc, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await openid.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce: 'n' });
    const browser = new TestBrowser(server.url);
    const login = await browser.follow(url.toString());
    const otpPage = await browser.submit(login, { username: 'alice', password: 'correct horse battery' });
    expect(otpPage.html).toContain('Enter your code');
    expect(otpPage.html).toMatch(/name="otp"/);
    expect(browser.has('grantry_session')).toBe(false); // not signed in before the last step
    const wrong = await browser.submit(otpPage, { otp: '000000' });
    expect(wrong.html).toContain('That code is not right.');
    const consent = await browser.submit(wrong, { otp: '424242' });
    const back = await browser.submit(consent, { decision: 'approve' });
    const tokens = await openid.authorizationCodeGrant(oidc, new URL(back.location!), { pkceCodeVerifier: verifier, expectedNonce: 'n', idTokenExpected: true });
    expect(tokens.claims()!.amr).toEqual(['pwd', 'otp']);
    // The password step's acr holds through a later step that names none (OIDC Core §2: what was satisfied).
    expect(tokens.claims()!.acr).toBe(PASSWORD_ACR);
  });

  it('counts wrong second-factor codes toward the lock-out, which a correct password does not reset', async () => {
    const user = await server.app.get(UsersService).create(parseUserInput({ username: 'bruno', password: 'correct horse battery' }, true));
    const client = await createClient(server, { grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
    const url = `${server.url}/oauth2/authorize?${new URLSearchParams({ client_id: client.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`;
    for (let round = 0; round < 3; round++) {
      const browser = new TestBrowser(server.url);
      const otpPage = await browser.submit(await browser.follow(url), { username: 'bruno', password: 'correct horse battery' });
      const answer = await browser.submit(otpPage, { otp: '000000' });
      if (round < 2) expect(answer.html).toContain('That code is not right.');
    }
    // 5 = the default threshold: 3 password successes + 3 wrong codes passed it, so bruno is locked now.
    const row = (await server.app.get(DataSource).query(`SELECT locked_until FROM users WHERE id = '${user.id}'`))[0];
    expect(Number(row.locked_until)).toBeGreaterThan(Date.now() / 1000);
    const browser = new TestBrowser(server.url);
    const locked = await browser.submit(await browser.follow(url), { username: 'bruno', password: 'correct horse battery' });
    expect(locked.html).toContain('The username or password is wrong, or the account cannot sign in now.');
  });

  it('stops start-up for an unknown step id and for a module without page()', async () => {
    await expect(startServer({ login: { authenticator: [{ id: 'nope' }] } })).rejects.toThrow('[[login.authenticator]] id = "nope" matches no login step');
    await expect(startServer({ login: { authenticator: [{ id: 'broken', module: join(dir, 'broken.js') }] } })).rejects.toThrow(/broken\.js: a login step needs page\(context\) and submit\(context, form\) methods/);
  });
});
