import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openid from 'openid-client';
import { DataSource } from 'typeorm';
import { parseUserInput } from '../src/users/user-input';
import { UsersService } from '../src/users/users.service';
import { TestBrowser } from './support/browser';
import { cli } from './support/cli';
import { freshDatabase, TestDatabase } from './support/database';
import { databaseBefore } from './support/previous-release';
import { adminToken, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const REDIRECT = 'https://rp.example/callback';
const PASSWORD = 'correct horse battery';
/** The cheapest scrypt the settings allow keeps the password grant quick. */
const CHEAP_USERS = { scrypt_log_n: 14, scrypt_p: 1 };
const OIDC_DEFAULT_SCOPE = 'openid profile email address phone';

type Reply = { status: number; body: Record<string, any> | undefined };

async function call(server: TestServer, method: string, path: string, body?: unknown, token?: string): Promise<Reply> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

/** RFC 7591 §3: open registration (`[oauth.registration] open = true`), as anyone on the network would call it. */
const register = (server: TestServer, body: Record<string, unknown>) => call(server, 'POST', '/oauth2/register', body);
const refusedGrantTypes = (names: string) => ({ status: 400, body: { error: 'invalid_client_metadata', error_description: `grant_types not open to registration: ${names}` } });
const notApproved = (grantType: string) => ({ error: 'unauthorized_client', error_description: `this client may not use grant_type ${grantType} until an administrator approves it` });

async function addUser(server: TestServer, username: string): Promise<string> {
  return (await server.app.get(UsersService).create(parseUserInput({ username, password: PASSWORD, claims: { email: `${username}@example.com` } }, true))).id;
}

/** The password grant of a public client (RFC 6749 §4.3, client_id in the body). */
const passwordGrant = (server: TestServer, clientId: string, password = PASSWORD) =>
  tokenRequest(server, { grant_type: 'password', client_id: clientId, username: 'alice', password, scope: 'openid' });

/** `grantry <args> --config FILE`, FILE naming `db` (and its master key) followed by `toml`: exit code and output. */
async function grantry(db: TestDatabase, toml: string, args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'grantry-cli-'));
  try {
    const file = join(dir, 'deployment.toml');
    const database = `[database]\nurl = ${JSON.stringify(db.url)}\n${db.schema ? `schema = ${JSON.stringify(db.schema)}\n` : ''}`;
    writeFileSync(file, `${database}[security]\nmaster_key = ${JSON.stringify(db.masterKey)}\n${toml}`);
    return { file, ...(await cli([...args, '--config', file])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const configCheck = (db: TestDatabase, toml: string) => grantry(db, toml, ['config', 'check']);

const unapprovedLine = (count: number, named: string) =>
  `warning: ${count} client${count === 1 ? '' : 's'} registered through RFC 7591 hold${count === 1 ? 's' : ''} grant types outside [oauth.registration] allowed_grant_types, ` +
  `refused at the token endpoint until an administrator saves the client (admin API PATCH or grantry clients update): ${named}\n`;

/**
 * Issue 23 item 1: what a registrant may choose is the operator's `[oauth.registration]
 * allowed_grant_types` (RFC 7591 §2 lets the server refuse metadata: §3.2.2 invalid_client_metadata),
 * on registration and on RFC 7592 updates; and a client registered with more keeps it only once an
 * administrator has saved it — until then the token endpoint answers unauthorized_client (RFC 6749 §5.2).
 */
describe('grant types open to registration ([oauth.registration] allowed_grant_types)', () => {
  describe('the default list: authorization_code and refresh_token', () => {
    let server: TestServer;
    beforeAll(async () => {
      // The password grant is on for first-party clients: a registrant must still not get it.
      server = await startServer({ oauth: { registration: { open: true, allowed_scopes: ['orders:read'] }, grant_type: { password: { enable: true } } } });
    });
    afterAll(() => stopServer(server));

    it.each([
      ['password', { grant_types: ['password'], token_endpoint_auth_method: 'none' }],
      ['client_credentials', { grant_types: ['client_credentials'] }],
      [JWT_BEARER, { grant_types: [JWT_BEARER] }],
      ['password client_credentials', { grant_types: ['authorization_code', 'password', 'client_credentials'], redirect_uris: [REDIRECT] }],
    ])('refuses %s with invalid_client_metadata naming it (RFC 7591 §3.2.2)', async (names, metadata) => {
      expect(await register(server, metadata)).toEqual(refusedGrantTypes(names));
    });

    it('registers authorization_code and refresh_token', async () => {
      const { status, body } = await register(server, { grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [REDIRECT] });
      expect(status).toBe(201);
      expect(body).toMatchObject({ grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] });
    });

    it('refuses a grant type outside the list on an RFC 7592 PUT, leaving the registration as it was', async () => {
      const created = (await register(server, { redirect_uris: [REDIRECT] })).body!;
      const put = await call(server, 'PUT', `/oauth2/register/${created.client_id}`, { client_id: created.client_id, redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'password'] }, created.registration_access_token);
      expect(put).toEqual(refusedGrantTypes('password'));
      // The refusal rotated nothing and changed nothing.
      const read = await call(server, 'GET', `/oauth2/register/${created.client_id}`, undefined, created.registration_access_token);
      expect(read.status).toBe(200);
      expect(read.body!.grant_types).toEqual(['authorization_code']);
    });
  });

  describe('a list that opens more', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({
        oauth: { registration: { open: true, allowed_grant_types: ['authorization_code', 'refresh_token', 'password', 'client_credentials', JWT_BEARER] }, grant_type: { password: { enable: true } } },
        users: CHEAP_USERS,
      });
      await addUser(server, 'alice');
    });
    afterAll(() => stopServer(server));

    it('registers each listed grant type, and the client uses it', async () => {
      for (const grantTypes of [['client_credentials'], [JWT_BEARER]]) expect((await register(server, { grant_types: grantTypes })).status).toBe(201);
      const publicClient = await register(server, { grant_types: ['password'], token_endpoint_auth_method: 'none' });
      expect(publicClient.status).toBe(201);
      const issued = await passwordGrant(server, publicClient.body!.client_id);
      expect(issued.status).toBe(200);
    });

    it('accepts a listed grant type on an RFC 7592 PUT', async () => {
      const created = (await register(server, { redirect_uris: [REDIRECT] })).body!;
      const put = await call(server, 'PUT', `/oauth2/register/${created.client_id}`, { client_id: created.client_id, redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'client_credentials'] }, created.registration_access_token);
      expect(put.status).toBe(200);
      expect(put.body!.grant_types).toEqual(['authorization_code', 'client_credentials']);
    });
  });

  describe('with the implicit grant enabled', () => {
    it('opens implicit by default, with its response types, and not when the list leaves it out', async () => {
      const implicit = { grant_types: ['implicit'], response_types: ['id_token'], redirect_uris: [REDIRECT] };
      const server = await startServer({ oauth: { registration: { open: true }, grant_type: { implicit: { enable: true } } } });
      try {
        const { status, body } = await register(server, implicit);
        expect(status).toBe(201);
        expect(body).toMatchObject({ grant_types: ['implicit'], response_types: ['id_token'] });
      } finally {
        await stopServer(server);
      }
      const listed = await startServer({ oauth: { registration: { open: true, allowed_grant_types: ['authorization_code'] }, grant_type: { implicit: { enable: true } } } });
      try {
        expect(await register(listed, implicit)).toEqual(refusedGrantTypes('implicit'));
        // A response type that needs implicit is refused without it too (OIDC Registration §2).
        expect(await register(listed, { response_types: ['code id_token'], redirect_uris: [REDIRECT] })).toEqual({
          status: 400,
          body: { error: 'invalid_client_metadata', error_description: 'response_types with token or id_token need implicit in grant_types' },
        });
      } finally {
        await stopServer(listed);
      }
    });
  });

  describe('clients registered with grant types outside the list', () => {
    let warn: jest.SpyInstance;
    beforeEach(() => {
      warn = jest.spyOn(Logger.prototype, 'warn');
    });
    afterEach(() => warn.mockRestore());
    const warnings = () => warn.mock.calls.map(([message]) => String(message));

    it('confines a client registered before the list existed until an administrator saves it', async () => {
      const db = freshDatabase();
      let old: DataSource | undefined;
      let server: TestServer | undefined;
      try {
        // The database as the previous release left it: a registrant's password client (it holds a
        // registration access token) and an administrator's (it holds none).
        old = await databaseBefore(db, 'RegistrantGrantTypes1764900000000');
        const now = Math.floor(Date.now() / 1000);
        for (const [clientId, digest] of [['legacy-registrant', `'${'d'.repeat(43)}'`], ['legacy-cli', `'${'e'.repeat(43)}'`], ['first-party', 'NULL']]) {
          await old.query(
            `INSERT INTO clients (client_id, tenant, client_name, token_endpoint_auth_method, grant_types, response_types, redirect_uris, scope, audience, registration_token_digest, created_at, updated_at)
             VALUES ('${clientId}', 'carbon.super', '${clientId}', 'none', '["password","refresh_token"]', '[]', '[]', 'openid', '[]', ${digest}, ${now}, ${now})`,
          );
        }
        await old.destroy();
        old = undefined;

        const toml = '[oauth.grant_type.password]\nenable = true\n';
        // `config check` reads the database as the migration will leave it, without migrating it.
        const before = await configCheck(db, toml);
        const line = unapprovedLine(2, 'legacy-cli (password); legacy-registrant (password)');
        expect(before).toEqual({ file: before.file, status: 0, stdout: `ok: ${before.file}\n`, stderr: line });

        server = await startServer({ oauth: { grant_type: { password: { enable: true } } }, users: CHEAP_USERS }, db);
        expect(warnings()).toContain(line.slice('warning: '.length, -1));
        await addUser(server, 'alice');

        // Refused before the password is looked at: a wrong one gets the same answer and counts for nothing.
        for (const password of [PASSWORD, 'wrong password']) {
          expect(await passwordGrant(server, 'legacy-registrant', password)).toMatchObject({ status: 400, body: notApproved('password') });
        }
        const [{ failed_logins: failedLogins }] = await server.app.get(DataSource).query("SELECT failed_logins FROM users WHERE username = 'alice'");
        expect(Number(failedLogins)).toBe(0);
        expect((await passwordGrant(server, 'first-party')).status).toBe(200);

        // An administrator's save approves what the client holds: the admin API's PATCH, or the CLI's update.
        const admin = await adminToken(server);
        expect((await call(server, 'PATCH', '/api/admin/v1/clients/legacy-registrant', { client_name: 'approved' }, admin)).status).toBe(200);
        expect((await passwordGrant(server, 'legacy-registrant')).status).toBe(200);
        const updated = await grantry(db, toml, ['clients', 'update', 'legacy-cli', '--name', 'approved', '--json']);
        expect({ status: updated.status, stderr: updated.stderr }).toEqual({ status: 0, stderr: '' });
        expect((await passwordGrant(server, 'legacy-cli')).status).toBe(200); // not looked up before: no cached copy
        const after = await configCheck(db, toml);
        expect(after).toEqual({ file: after.file, status: 0, stdout: `ok: ${after.file}\n`, stderr: '' });
      } finally {
        await old?.destroy();
        await server?.close();
        await db.drop();
      }
    });

    it('confines a client registered while the list was wider, at the token and authorization endpoints, consuming nothing', async () => {
      const db = freshDatabase();
      const enabled = { password: { enable: true }, implicit: { enable: true } };
      let server: TestServer | undefined;
      try {
        // Registered while the operator opened password and implicit to registrants.
        server = await startServer({ oauth: { registration: { open: true, allowed_grant_types: ['authorization_code', 'refresh_token', 'implicit', 'password'] }, grant_type: enabled }, users: CHEAP_USERS }, db);
        await addUser(server, 'alice');
        const registered = await register(server, {
          grant_types: ['authorization_code', 'implicit', 'password', 'refresh_token'],
          response_types: ['code', 'id_token'],
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'none',
        });
        expect(registered.status).toBe(201);
        const { client_id: clientId, registration_access_token: registrationToken } = registered.body!;
        const issued = await passwordGrant(server, clientId);
        expect(issued.status).toBe(200);
        const refreshToken = issued.body.refresh_token as string;
        expect(refreshToken).toEqual(expect.any(String));
        await server.close();

        // The operator narrows the list to what registration offers by default.
        const narrowed = '[oauth.registration]\nallowed_grant_types = ["authorization_code", "refresh_token"]\n[oauth.grant_type.password]\nenable = true\n[oauth.grant_type.implicit]\nenable = true\n';
        warn.mockClear();
        server = await startServer({ oauth: { registration: { open: true, allowed_grant_types: ['authorization_code', 'refresh_token'] }, grant_type: enabled }, users: CHEAP_USERS }, db);
        const line = unapprovedLine(1, `${clientId} (implicit, password)`);
        expect(warnings()).toContain(line.slice('warning: '.length, -1));
        const checked = await configCheck(db, narrowed);
        expect(checked).toEqual({ file: checked.file, status: 0, stdout: `ok: ${checked.file}\n`, stderr: line });

        const refresh = () => tokenRequest(server!, { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken });
        expect(await passwordGrant(server, clientId)).toMatchObject({ status: 400, body: notApproved('password') });
        // A refresh continues the password grant: refused too, and the refresh token is not used up.
        expect(await refresh()).toMatchObject({ status: 400, body: notApproved('password') });
        // The authorization endpoint: id_token needs implicit (refused at the redirect URI); code is served.
        const authorize = (responseType: string) =>
          new TestBrowser(server!.url).request(`/oauth2/authorize?${new URLSearchParams({ client_id: clientId, response_type: responseType, redirect_uri: REDIRECT, scope: 'openid', nonce: 'n', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`);
        const implicit = await authorize('id_token');
        expect(implicit.status).toBe(303);
        expect(Object.fromEntries(new URLSearchParams(new URL(implicit.location!).hash.slice(1)))).toEqual({ ...notApproved('implicit'), state: 's', iss: server.url });
        expect((await authorize('code')).location).toContain('/oauth2/interaction/');
        // The registrant cannot approve it itself: a PUT keeping password is refused.
        const resend = { client_id: clientId, grant_types: ['authorization_code', 'implicit', 'password', 'refresh_token'], response_types: ['code', 'id_token'], redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' };
        expect(await call(server, 'PUT', `/oauth2/register/${clientId}`, resend, registrationToken)).toEqual(refusedGrantTypes('implicit password'));

        // An administrator's save (admin API PATCH, or the CLI's `clients update`) approves what the client holds.
        const admin = await adminToken(server);
        expect((await call(server, 'PATCH', `/api/admin/v1/clients/${clientId}`, {}, admin)).status).toBe(200);
        const refreshed = await refresh();
        expect(refreshed.status).toBe(200);
        expect((await authorize('id_token')).location).toContain('/oauth2/interaction/');
        // What the administrator approved stays approved through the registrant's own PUT.
        const put = await call(server, 'PUT', `/oauth2/register/${clientId}`, resend, registrationToken);
        expect(put.status).toBe(200);
        expect((await passwordGrant(server, clientId)).status).toBe(200);
        expect((await configCheck(db, narrowed)).stderr).toBe('');
      } finally {
        await server?.close();
        await db.drop();
      }
    });
  });
});

/**
 * Issue 23 item 8: a relying party that registers without `scope` (most do; the OpenID
 * Foundation's Dynamic OP tests do) gets the OIDC standard scopes, and a code flow works.
 */
describe('registration without a scope member', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ oauth: { registration: { open: true, allowed_scopes: ['orders:read'] } }, users: CHEAP_USERS });
    await addUser(server, 'alice');
  });
  afterAll(() => stopServer(server));

  it('registers the OIDC standard scopes and echoes them (RFC 7591 §3.2.1), nothing of allowed_scopes unasked', async () => {
    const { status, body } = await register(server, { redirect_uris: [REDIRECT] });
    expect(status).toBe(201);
    expect(body!.scope).toBe(OIDC_DEFAULT_SCOPE);
    const read = await call(server, 'GET', `/oauth2/register/${body!.client_id}`, undefined, body!.registration_access_token);
    expect(read.body!.scope).toBe(OIDC_DEFAULT_SCOPE);
    // Asked for, an allowed scope is registered as asked.
    expect((await register(server, { redirect_uris: [REDIRECT], scope: 'openid orders:read' })).body!.scope).toBe('openid orders:read');
  });

  it('completes the code flow with openid and validates the ID token', async () => {
    const { body: client } = await register(server, { redirect_uris: [REDIRECT], client_name: 'Relying party' });
    const oidc = await openid.discovery(new URL(server.url), client!.client_id, undefined, openid.ClientSecretBasic(client!.client_secret), { execute: [openid.allowInsecureRequests] });
    const verifier = openid.randomPKCECodeVerifier();
    const nonce = openid.randomNonce();
    const url = openid.buildAuthorizationUrl(oidc, { redirect_uri: REDIRECT, scope: 'openid email', code_challenge: await openid.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce });
    const browser = new TestBrowser(server.url);
    const login = await browser.follow(url.toString());
    expect(login.status).toBe(200);
    const consent = await browser.submit(login, { username: 'alice', password: PASSWORD });
    const back = await browser.submit(consent, { decision: 'approve' });
    expect(back.location).toMatch(/^https:\/\/rp\.example\/callback\?code=/);
    const tokens = await openid.authorizationCodeGrant(oidc, new URL(back.location!), { pkceCodeVerifier: verifier, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.claims()).toMatchObject({ aud: client!.client_id, nonce });
    expect(tokens.scope).toBe('openid email');
  });

  it('is no default for the admin API, whose clients name their scopes', async () => {
    const made = await createClient(server, { grant_types: ['client_credentials'] });
    expect(made.scope).toBe('');
  });
});
