import * as openid from 'openid-client';
import { DataSource } from 'typeorm';
import { AtomicWriter } from '../src/database/atomic-writer';
import { UsersService } from '../src/users/users.service';
import type { ClientView } from '../src/clients/clients.service';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
const LOCKOUT_SECONDS = 600;
const SIGN_IN_FAILED = { error: 'invalid_grant', error_description: 'the username or password is wrong, or the account cannot sign in now' };

/**
 * Resource owners (issue: users, the password grant, introspection, revocation): through real
 * HTTP and openid-client, on the database of the run (SQLite, PostgreSQL or MariaDB).
 */
describe('users, the password grant, introspection and revocation', () => {
  let server: TestServer;
  let admin: string;
  let db: DataSource;
  let app: ClientView;
  let other: ClientView;
  let resourceServer: ClientView;

  beforeAll(async () => {
    server = await startServer({
      oauth: { grant_type: { password: { enable: true } } },
      // The cheapest scrypt the settings allow keeps the suite quick. The lock-out outlasts any
      // test (its end is brought forward in the database, never waited for).
      users: { scrypt_log_n: 14, scrypt_p: 1, lockout_threshold: 3, lockout_duration: LOCKOUT_SECONDS },
    });
    admin = await adminToken(server);
    db = server.app.get(DataSource);
    app = await createClient(server, { grant_types: ['password', 'refresh_token'], scope: 'read write', audience: ['https://api.example'] });
    other = await createClient(server, { grant_types: ['password', 'refresh_token', 'client_credentials'], scope: 'read' });
    resourceServer = await createClient(server, { grant_types: ['client_credentials'], scope: '' });
  });
  afterAll(() => stopServer(server));

  const adminApi = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}/api/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const createUser = async (username: string, extra: Record<string, unknown> = {}) => {
    const { status, body } = await adminApi('POST', '/users', { username, password: 'correct horse battery', claims: { email: `${username}@example.com` }, ...extra });
    expect(status).toBe(201);
    return body as { id: string; username: string };
  };
  const password = (who: ClientView, username: string, secret: string, extra: Record<string, string> = {}) =>
    tokenRequest(server, { grant_type: 'password', username, password: secret, ...extra }, { authorization: basic(who.client_id, who.client_secret!) });
  const rp = (who: ClientView) =>
    openid.discovery(new URL(server.url), who.client_id, undefined, openid.ClientSecretBasic(who.client_secret!), { execute: [openid.allowInsecureRequests] });
  const userRow = async (id: string) => (await db.query(`SELECT failed_logins, locked_until, password_hash FROM users WHERE id = '${id}'`))[0];
  const counts = async () => {
    const [users, grants, refresh] = await Promise.all(['users', 'grant_records', 'refresh_tokens'].map(async (table) => Number((await db.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n)));
    return { users, grants, refresh };
  };

  describe('users in the admin API', () => {
    it('creates, finds by username, updates and never shows the password hash', async () => {
      const user = await createUser('Carol');
      expect(user).toMatchObject({ username: 'carol', enabled: true, claims: { email: 'Carol@example.com' }, identities: [], locked_until: null });
      expect(JSON.stringify(user)).not.toContain('scrypt');
      const found = await adminApi('GET', '/users?username=CAROL');
      expect(found.body).toMatchObject({ total: 1, items: [{ id: user.id }] });
      expect((await adminApi('PATCH', `/users/${user.id}`, { claims: { name: 'Carol C' } })).body).toMatchObject({ claims: { name: 'Carol C' } });
      expect((await adminApi('GET', `/users/${user.id}`)).body.claims).toEqual({ name: 'Carol C' });
      expect((await userRow(user.id)).password_hash).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$/);
    });

    it('refuses a duplicate username (409), a weak password, reserved claims and unknown fields, writing nothing', async () => {
      await createUser('dave');
      const before = await counts();
      expect(await adminApi('POST', '/users', { username: 'DAVE', password: 'another long one' })).toMatchObject({ status: 409 });
      expect(await adminApi('POST', '/users', { username: 'erin', password: 'short' })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect((await adminApi('POST', '/users', { username: 'erin', password: 'erin-is-my-password' })).body.error_description).toMatch(/username/);
      expect((await adminApi('POST', '/users', { username: 'erin', claims: { sub: 'root' } })).body.error_description).toMatch(/sub/);
      expect((await adminApi('POST', '/users', { username: 'erin', role: 'x' })).body.error_description).toBe('unknown field role');
      expect(await counts()).toEqual(before);
    });

    it('refuses a standard claim of another JSON type than OIDC Core §5.1 gives it, as the CLI does', async () => {
      const user = await createUser('vera');
      expect(await adminApi('PATCH', `/users/${user.id}`, { claims: { phone_number: 4155551234 } })).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'claims.phone_number must be a string (OIDC Core section 5.1)' } });
      expect(await adminApi('POST', '/users', { username: 'wim', claims: { email_verified: 'true' } })).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'claims.email_verified must be true or false (OIDC Core section 5.1)' } });
      expect((await adminApi('PATCH', `/users/${user.id}`, { claims: { phone_number: '+14155551234', phone_number_verified: true, age: 42 } })).body.claims).toEqual({ phone_number: '+14155551234', phone_number_verified: true, age: 42 });
    });

    it('answers 404 for an unknown id and needs the admin token', async () => {
      expect((await adminApi('GET', '/users/nope')).status).toBe(404);
      expect((await adminApi('DELETE', '/users/nope')).status).toBe(404);
      expect((await fetch(`${server.url}/api/admin/v1/users`)).status).toBe(401);
    });
  });

  describe('the password grant (RFC 6749 §4.3)', () => {
    it('issues access and refresh tokens to openid-client, refreshes, and names the user', async () => {
      const user = await createUser('alice');
      const config = await rp(app);
      const tokens = await openid.genericGrantRequest(config, 'password', { username: 'Alice', password: 'correct horse battery', scope: 'read' });
      expect(tokens.refresh_token).toEqual(expect.any(String));
      const claims = claimsOf(tokens.access_token);
      expect(claims).toMatchObject({ sub: user.id, client_id: app.client_id, scope: 'read', aud: 'https://api.example' });
      // OIDC Core §5.4: scope read releases none of the user's claims.
      for (const claim of ['email', 'preferred_username']) expect(claims).not.toHaveProperty(claim);
      const record = (await db.query(`SELECT subject, grant_type FROM grant_records WHERE id = '${claims.gid}'`))[0];
      expect(record).toEqual({ subject: user.id, grant_type: 'password' });

      const refreshed = await openid.refreshTokenGrant(config, tokens.refresh_token!);
      expect(claimsOf(refreshed.access_token)).toMatchObject({ sub: user.id, gid: claims.gid });
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    });

    it('releases the user\'s claims by scope, as a browser sign-in does (OIDC Core §5.4)', async () => {
      const user = await createUser('olga', { claims: { email: 'olga@example.com', email_verified: true, name: 'Olga O', groups: ['staff'] } });
      const oidc = await createClient(server, { grant_types: ['password'], scope: 'openid profile email read' });
      const claimsFor = async (scope: string) => {
        const { status, body } = await password(oidc, 'olga', 'correct horse battery', { scope });
        expect(status).toBe(200);
        const { sub, scope: granted, email, email_verified, name, preferred_username, updated_at, groups } = claimsOf(body.access_token as string);
        return { sub, scope: granted, email, email_verified, name, preferred_username, updated_at, groups };
      };
      const none = { email: undefined, email_verified: undefined, name: undefined, preferred_username: undefined, updated_at: undefined, groups: undefined };
      expect(await claimsFor('read')).toEqual({ ...none, sub: user.id, scope: 'read' });
      expect(await claimsFor('openid email')).toEqual({ ...none, sub: user.id, scope: 'openid email', email: 'olga@example.com', email_verified: true });
      // A claim of no standard scope (groups) is released by none.
      expect(await claimsFor('openid profile')).toEqual({ ...none, sub: user.id, scope: 'openid profile', name: 'Olga O', preferred_username: 'olga', updated_at: expect.any(Number) });
    });

    it('gives a pairwise client asking for openid its pairwise sub and none of the user\'s claims', async () => {
      const user = await createUser('piet', { claims: { email: 'piet@example.com', name: 'Piet P', groups: ['staff'] } });
      const pairwise = await createClient(server, { grant_types: ['password'], scope: 'openid profile email', subject_type: 'pairwise', redirect_uris: ['https://pairwise.example/cb'] });
      const { status, body } = await password(pairwise, 'piet', 'correct horse battery', { scope: 'openid' });
      expect(status).toBe(200);
      const { iat, exp, jti, ...claims } = claimsOf(body.access_token as string);
      expect(claims).toEqual({ iss: server.url, sub: expect.any(String), aud: pairwise.client_id, client_id: pairwise.client_id, scope: 'openid', auth_time: expect.any(Number), amr: ['pwd'], gid: expect.any(String) });
      expect({ iat, exp, jti }).toEqual({ iat: expect.any(Number), exp: expect.any(Number), jti: expect.any(String) });
      expect(claims.sub).not.toBe(user.id);
      // Nor does introspection name the user (RFC 7662 username): it shows what the token carries.
      const introspected = await openid.tokenIntrospection(await rp(pairwise), body.access_token as string);
      expect(introspected).toMatchObject({ active: true, sub: claims.sub });
      for (const member of ['username', 'email', 'name', 'groups']) expect(introspected).not.toHaveProperty(member);
    });

    it('answers an unknown user, a wrong password and a disabled user alike, and in similar time', async () => {
      const timed = async (username: string, secret: string) => {
        const started = process.hrtime.bigint();
        const { status, body } = await password(app, username, secret);
        expect({ username, status, body }).toEqual({ username, status: 400, body: SIGN_IN_FAILED });
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      // Rounds of the three paths in turn, compared by their medians: a busy neighbour slows a
      // request or two, not one path in every round. A path that skipped the scrypt verification
      // would answer in a small fraction of the others' time in every round.
      const times: Record<'unknown' | 'disabled' | 'wrong', number[]> = { unknown: [], disabled: [], wrong: [] };
      for (let round = 0; round < 5; round++) {
        const user = await createUser(`bob-${round}`);
        await adminApi('PATCH', `/users/${user.id}`, { enabled: false });
        times.unknown.push(await timed(`nobody-${round}`, 'correct horse battery'));
        times.disabled.push(await timed(`bob-${round}`, 'correct horse battery'));
        await adminApi('PATCH', `/users/${user.id}`, { enabled: true });
        times.wrong.push(await timed(`bob-${round}`, 'wrong password!!'));
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
      const medians = Object.values(times).map(median);
      // Each path runs one scrypt verification: none answers in a fraction of another's time.
      expect(Math.min(...medians) * 5).toBeGreaterThan(Math.max(...medians));
    });

    it('locks a user out after lockout_threshold failures, also against concurrent guesses, then lets them in again', async () => {
      const user = await createUser('mallory-target');
      const before = Math.floor(Date.now() / 1000);
      const guesses = await Promise.all(Array.from({ length: 8 }, (_, i) => password(app, 'mallory-target', `guess number ${i}`)));
      const after = Math.ceil(Date.now() / 1000);
      for (const guess of guesses) expect(guess).toMatchObject({ status: 400, body: SIGN_IN_FAILED });
      // Locked for lockout_duration from the failure that reached the threshold.
      const lockedUntil = Number((await userRow(user.id)).locked_until);
      expect(lockedUntil).toBeGreaterThanOrEqual(before + LOCKOUT_SECONDS);
      expect(lockedUntil).toBeLessThanOrEqual(after + LOCKOUT_SECONDS);
      // Locked: the right password is refused with the same answer.
      expect(await password(app, 'mallory-target', 'correct horse battery')).toMatchObject({ status: 400, body: SIGN_IN_FAILED });
      expect((await adminApi('GET', `/users/${user.id}`)).body.locked_until).toBe(lockedUntil);
      // The lock-out ends: its end moved to a second ago stands for the time passing (no wait, so
      // no load on the machine can make the lock end before the checks above, or after this one).
      await db.query(`UPDATE users SET locked_until = ${Math.floor(Date.now() / 1000) - 1} WHERE id = '${user.id}'`);
      expect((await password(app, 'mallory-target', 'correct horse battery')).status).toBe(200);
      expect(Number((await userRow(user.id)).failed_logins)).toBe(0);
    });

    it('refuses missing parameters and a scope beyond the client with nothing changed', async () => {
      const user = await createUser('frank');
      const before = await counts();
      const auth = { authorization: basic(app.client_id, app.client_secret!) };
      expect((await tokenRequest(server, { grant_type: 'password', password: 'x' }, auth)).body).toEqual({ error: 'invalid_request', error_description: 'username is required' });
      expect((await tokenRequest(server, { grant_type: 'password', username: 'frank' }, auth)).body).toEqual({ error: 'invalid_request', error_description: 'password is required' });
      expect((await password(app, 'frank', 'correct horse battery', { scope: 'read admin' })).body.error).toBe('invalid_scope');
      expect(await counts()).toEqual(before);
      expect(Number((await userRow(user.id)).failed_logins)).toBe(0);
    });

    it('refuses hostile usernames alike and cleanly: trailing spaces, NUL, invisible characters, overlong after lower-casing', async () => {
      await createUser('judy');
      for (const username of ['judy ', 'judy   ', 'ju\u0000dy', 'judy\u200b']) {
        expect({ username, ...(await password(app, username, 'correct horse battery')) }).toMatchObject({ username, status: 400, body: SIGN_IN_FAILED });
      }
      expect((await adminApi('POST', '/users', { username: 'judy\u200b', password: 'correct horse battery' })).status).toBe(400);
      expect((await adminApi('POST', '/users', { username: 'a\u202egnp.exe' })).status).toBe(400);
      expect((await adminApi('POST', '/users', { username: '\u0130'.repeat(200) })).status).toBe(400);
      expect((await adminApi('GET', '/users/a%00b')).status).toBe(404);
      expect((await adminApi('GET', '/users?username=a%00b')).body).toEqual({ items: [], total: 0 });
      expect((await adminApi('GET', '/users?username=a&username=b')).status).toBe(400);
    });

    it('checks a resource before the password: invalid_target counts no attempt', async () => {
      const user = await createUser('kim');
      const refused = await password(app, 'kim', 'wrong password!!', { resource: 'https://elsewhere.example/' });
      expect(refused.body.error).toBe('invalid_target');
      expect(Number((await userRow(user.id)).failed_logins)).toBe(0);
    });

    it('stores no grant for a user changed while the request was in flight', async () => {
      const users = server.app.get(UsersService);
      const writer = server.app.get(AtomicWriter);
      const user = await createUser('lena');
      const stale = (await users.findById(user.id))!;
      await adminApi('PATCH', `/users/${user.id}`, { password: 'a brand new secret' });
      await expect(writer.commit([users.unchangedStep(stale, () => new Error('changed'))])).rejects.toThrow('changed');
      const fresh = (await users.findById(user.id))!;
      await expect(writer.commit([users.unchangedStep(fresh, () => new Error('changed'))])).resolves.toEqual([1]); // one row: the user as it is now
      await adminApi('PATCH', `/users/${user.id}`, { enabled: false });
      await expect(writer.commit([users.unchangedStep(fresh, () => new Error('disabled'))])).rejects.toThrow('disabled');
    });

    it('is off unless enabled: unsupported_grant_type, and not in discovery', async () => {
      const off = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 } });
      try {
        const client = await createClient(off, { grant_types: ['client_credentials'], scope: 'read' });
        const { body } = await tokenRequest(off, { grant_type: 'password', username: 'a', password: 'b' }, { authorization: basic(client.client_id, client.client_secret!) });
        expect(body.error).toBe('unsupported_grant_type');
        const metadata = (await (await fetch(`${off.url}/.well-known/openid-configuration`)).json()) as { grant_types_supported: string[] };
        expect(metadata.grant_types_supported).not.toContain('password');
      } finally {
        await stopServer(off);
      }
    });

    it('revokes the grants of a user who is disabled, deleted or given a new password', async () => {
      for (const change of ['disable', 'password', 'delete'] as const) {
        const user = await createUser(`grace-${change}`);
        const { body } = await password(app, `grace-${change}`, 'correct horse battery');
        const refreshToken = body.refresh_token as string;
        if (change === 'disable') await adminApi('PATCH', `/users/${user.id}`, { enabled: false });
        if (change === 'password') await adminApi('PATCH', `/users/${user.id}`, { password: 'a brand new secret' });
        if (change === 'delete') expect((await adminApi('DELETE', `/users/${user.id}`)).status).toBe(204);
        const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic(app.client_id, app.client_secret!) });
        expect(refreshed.body.error).toBe('invalid_grant');
        const introspected = await openid.tokenIntrospection(await rp(app), body.access_token as string);
        expect(introspected.active).toBe(false);
      }
    });
  });

  describe('introspection (RFC 7662) and revocation (RFC 7009)', () => {
    it('shows a JWT active until its refresh token is revoked, which ends the access token issued beside it', async () => {
      await createUser('heidi');
      const config = await rp(app);
      const tokens = await openid.genericGrantRequest(config, 'password', { username: 'heidi', password: 'correct horse battery' });
      const active = await openid.tokenIntrospection(config, tokens.access_token);
      expect(active).toMatchObject({ active: true, client_id: app.client_id, scope: 'read write', token_type: 'Bearer', iss: server.url });
      expect(active).not.toHaveProperty('username'); // only the profile scope releases preferred_username
      expect(await openid.tokenIntrospection(config, tokens.refresh_token!, { token_type_hint: 'refresh_token' })).toMatchObject({ active: true, token_type: 'refresh_token' });

      await openid.tokenRevocation(config, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
      expect((await openid.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
      expect((await openid.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(false);
    });

    it('revokes an opaque token and a client_credentials JWT (deny-list until exp)', async () => {
      const opaqueClient = await createClient(server, { grant_types: ['client_credentials'], scope: 'read', access_token_format: 'opaque' });
      const config = await rp(opaqueClient);
      const opaque = (await openid.clientCredentialsGrant(config, {})).access_token;
      expect(opaque.split('.')).toHaveLength(1);
      expect((await openid.tokenIntrospection(config, opaque)).active).toBe(true);
      await openid.tokenRevocation(config, opaque);
      expect((await openid.tokenIntrospection(config, opaque)).active).toBe(false);

      const jwtConfig = await rp(other);
      const jwt = (await openid.clientCredentialsGrant(jwtConfig, {})).access_token;
      const second = (await openid.clientCredentialsGrant(jwtConfig, {})).access_token;
      await openid.tokenRevocation(jwtConfig, jwt, { token_type_hint: 'access_token' });
      expect((await openid.tokenIntrospection(jwtConfig, jwt)).active).toBe(false);
      expect((await openid.tokenIntrospection(jwtConfig, second)).active).toBe(true);
      const denied = await db.query(`SELECT expires_at FROM revoked_access_tokens WHERE jti = '${claimsOf(jwt).jti}'`);
      expect(Number(denied[0].expires_at)).toBe(claimsOf(jwt).exp);
      // Twice is fine (RFC 7009 §2.2).
      await openid.tokenRevocation(jwtConfig, jwt);
    });

    it('lets another client neither see nor revoke a token, unless it is addressed to it or may introspect any', async () => {
      await createUser('ivan');
      const tokens = await openid.genericGrantRequest(await rp(app), 'password', { username: 'ivan', password: 'correct horse battery' });
      const otherConfig = await rp(other);
      expect(await openid.tokenIntrospection(otherConfig, tokens.access_token)).toEqual({ active: false });
      expect(await openid.tokenIntrospection(otherConfig, tokens.refresh_token!)).toEqual({ active: false });
      await openid.tokenRevocation(otherConfig, tokens.refresh_token!);
      await openid.tokenRevocation(otherConfig, tokens.access_token);
      expect((await openid.tokenIntrospection(await rp(app), tokens.access_token)).active).toBe(true);

      // A resource server whose client_id is the token's audience sees it; one with introspect_any sees everything.
      const api = await createClient(server, { grant_types: ['client_credentials'], scope: '' });
      const caller = await createClient(server, { grant_types: ['client_credentials'], scope: 'read', audience: [api.client_id] });
      const addressed = (await openid.clientCredentialsGrant(await rp(caller), {})).access_token;
      expect(await openid.tokenIntrospection(await rp(api), addressed)).toMatchObject({ active: true, aud: [api.client_id], client_id: caller.client_id });
      expect((await openid.tokenIntrospection(await rp(resourceServer), tokens.access_token)).active).toBe(false);
      expect((await adminApi('PATCH', `/clients/${resourceServer.client_id}`, { introspect_any: true })).body.introspect_any).toBe(true);
      expect((await openid.tokenIntrospection(await rp(resourceServer), tokens.access_token)).active).toBe(true);
    });

    it('needs client authentication: 401 invalid_client without it, and public clients cannot introspect', async () => {
      const form = (params: Record<string, string>, headers: Record<string, string> = {}) =>
        fetch(`${server.url}/oauth2/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params) });
      const bare = await form({ token: 'x' });
      expect(bare.status).toBe(401);
      expect(await bare.json()).toMatchObject({ error: 'invalid_client' });
      const wrong = await form({ token: 'x' }, { authorization: basic(app.client_id, 'wrong') });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
      const publicClient = await createClient(server, { grant_types: ['refresh_token'], token_endpoint_auth_method: 'none' });
      expect((await form({ token: 'x', client_id: publicClient.client_id })).status).toBe(401);
      expect((await form({}, { authorization: basic(app.client_id, app.client_secret!) })).status).toBe(400);
      const revoke = await fetch(`${server.url}/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' });
      expect(revoke.status).toBe(401);
    });

    it('answers active: false for unknown, malformed and expired tokens, and 200 to revoking them', async () => {
      const config = await rp(app);
      for (const token of ['unknown', 'a.b.c', 'x'.repeat(600)]) {
        expect(await openid.tokenIntrospection(config, token)).toEqual({ active: false });
        await openid.tokenRevocation(config, token);
      }
    });

    it('advertises both endpoints in discovery', async () => {
      const metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as {
        introspection_endpoint_auth_methods_supported: string[];
        grant_types_supported: string[];
      };
      expect(metadata).toMatchObject({ introspection_endpoint: `${server.url}/oauth2/introspect`, revocation_endpoint: `${server.url}/oauth2/revoke` });
      expect(metadata.introspection_endpoint_auth_methods_supported).not.toContain('none');
      expect(metadata.grant_types_supported).toContain('password');
    });
  });
});
