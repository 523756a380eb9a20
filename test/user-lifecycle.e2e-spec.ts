import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ClientView } from '../src/clients/clients.service';
import { SessionEntity } from '../src/oauth/authorization/session/session.entity';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

/**
 * A user disabled, deleted or given a new password loses what it granted — its grants (so its
 * refresh tokens) and its browser sessions — in the same atomic write as the change, composed
 * above the users aggregate (admin API and CLI alike); a change that is refused revokes nothing.
 * On the database of the run (SQLite, PostgreSQL or MariaDB).
 */
describe('user changes that end what the user granted', () => {
  let server: TestServer;
  let admin: string;
  let db: DataSource;
  let app: ClientView;

  beforeAll(async () => {
    server = await startServer({ oauth: { grant_type: { password: { enable: true } } }, users: { scrypt_log_n: 14, scrypt_p: 1 } });
    admin = await adminToken(server);
    db = server.app.get(DataSource);
    app = await createClient(server, { grant_types: ['password', 'refresh_token'], scope: 'read' });
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

  /** A user with a refresh token (password grant) and a live browser session. */
  async function userWithGrantAndSession(username: string): Promise<{ id: string; refreshToken: string; sessionId: string }> {
    const created = await adminApi('POST', '/users', { username, password: 'correct horse battery' });
    expect(created.status).toBe(201);
    const { body } = await tokenRequest(server, { grant_type: 'password', username, password: 'correct horse battery' }, { authorization: basic(app.client_id, app.client_secret!) });
    const now = Math.floor(Date.now() / 1000);
    // The row a browser sign-in leaves (the sign-in itself is browser-sessions.e2e-spec.ts's).
    const sessionId = randomUUID();
    const secretHash = createHash('sha256').update(randomUUID()).digest('hex');
    await db.getRepository(SessionEntity).insert({ id: sessionId, tenant: 'carbon.super', secretHash, userId: created.body.id, authTime: now, amr: ['pwd'], acr: null, createdAt: now, expiresAt: now + 3600, endedAt: null });
    return { id: created.body.id as string, refreshToken: body.refresh_token as string, sessionId };
  }
  const refresh = (refreshToken: string) =>
    tokenRequest(server, { grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic(app.client_id, app.client_secret!) });
  const sessionEnded = async (id: string) => (await db.query(`SELECT ended_at FROM sessions WHERE id = '${id}'`))[0].ended_at !== null;

  it.each([
    ['disabled', (id: string) => adminApi('PATCH', `/users/${id}`, { enabled: false })],
    ['given a new password', (id: string) => adminApi('PATCH', `/users/${id}`, { password: 'a brand new secret' })],
    ['deleted', (id: string) => adminApi('DELETE', `/users/${id}`)],
  ])('revokes the grants and ends the browser sessions of a user %s', async (what, change) => {
    const user = await userWithGrantAndSession(`erin-${what.split(' ')[0]}`);
    expect((await change(user.id)).status).toBe(what === 'deleted' ? 204 : 200);
    const refused = await refresh(user.refreshToken);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
    expect(await sessionEnded(user.sessionId)).toBe(true);
  });

  it('revokes nothing when the change is refused (a username taken already), though it would have disabled the user', async () => {
    await userWithGrantAndSession('frank');
    const user = await userWithGrantAndSession('gina');
    const refused = await adminApi('PATCH', `/users/${user.id}`, { username: 'frank', enabled: false });
    expect(refused).toEqual({ status: 409, body: { error: 'conflict', error_description: "a user named 'frank' exists already" } });
    expect((await adminApi('GET', `/users/${user.id}`)).body).toMatchObject({ username: 'gina', enabled: true });
    expect(await sessionEnded(user.sessionId)).toBe(false);
    expect((await refresh(user.refreshToken)).status).toBe(200);
  });
});
