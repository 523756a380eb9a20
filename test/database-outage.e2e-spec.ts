import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, listen } from '../src/app.factory';
import { deepMerge } from '../src/common/deep-merge';
import { buildConfig } from '../src/config/config-loader';
import { freshDatabase, isMysql, isPostgres, TestDatabase } from './support/database';
import { releaseAfterEach } from './support/resources';
import { basic, createClient, TestServer, tokenRequest } from './support/server';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy';

/**
 * Issue 15 item 6: a database outage answers 503 with Retry-After (`temporarily_unavailable` on
 * the OAuth endpoints) instead of 500 server_error; the server keeps running, `/health/ready`
 * says the database is down while `/health/live` stays 200, and once the database is back the
 * same requests succeed without a restart. One log line per outage, not a stack per request.
 *
 * PostgreSQL and MariaDB: a TCP proxy between grantry and the database is cut (every connection
 * reset, new ones refused) and restored. SQLite has no connection to cut: its outage is a file
 * another process holds locked past `busy_timeout` (SQLITE_BUSY), tested with the token endpoint.
 */
type SqliteConnection = { exec(sql: string): void; close(): void };
// better-sqlite3 ships no types; this is the little of it the test uses.
const Database = require('better-sqlite3') as new (file: string) => SqliteConnection;

const server = !!process.env.DATABASE_URL && (isPostgres() || isMysql());

interface OutageServer extends TestServer {
  lines: Record<string, unknown>[];
}

/** The app against `url` (the proxy's), its log lines (info and above) collected. */
async function start(db: TestDatabase, url: string, toml: Record<string, unknown> = {}): Promise<OutageServer> {
  const lines: Record<string, unknown>[] = [];
  let app: NestFastifyApplication | undefined;
  try {
    const config = buildConfig(
      deepMerge(
        { server: { host: '127.0.0.1', port: 0 }, database: { url, ...(db.schema ? { schema: db.schema } : {}) }, security: { master_key: db.masterKey } },
        { logging: { format: 'json' }, ...toml },
      ),
      { env: {} },
    );
    app = await createApp(config, { logger: ['fatal', 'error', 'warn', 'log'], logStream: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const listening = await listen(app, 0, '127.0.0.1');
    const started = app;
    return { url: listening, app, config, db, lines, close: () => started.close() };
  } catch (error) {
    await app?.close().catch(() => undefined);
    throw error;
  }
}

const UNAVAILABLE = { error: 'temporarily_unavailable', error_description: expect.stringMatching(/try again/) };

async function post(url: string, form: Record<string, string>, authorization: string) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization }, body: new URLSearchParams(form) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

function expectUnavailable(answer: { status: number; headers: Headers; body: unknown }): void {
  expect(answer.status).toBe(503);
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(30);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.body).toEqual(UNAVAILABLE);
}

/** Lines about the outage: one per burst, without a stack. */
const outageLines = (lines: Record<string, unknown>[]) => lines.filter((line) => /database unavailable/.test(String(line.msg)));

(server ? describe : describe.skip)('a database outage (PostgreSQL, MariaDB: a cut TCP proxy)', () => {
  const release = releaseAfterEach();
  let db: TestDatabase;
  let proxy: TcpProxy;
  let app: OutageServer;

  beforeEach(async () => {
    db = freshDatabase();
    release(() => db.drop());
    await db.prepare?.();
    const target = new URL(db.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || (isPostgres() ? 5432 : 3306)) });
    release(() => proxy.close());
    target.host = `127.0.0.1:${proxy.port}`;
    app = await start(db, target.toString(), { oauth: { registration: { open: true } } });
    release(() => app.close());
  });

  it('answers 503 temporarily_unavailable with Retry-After while the database is cut, and recovers by itself', async () => {
    const client = await createClient(app, { grant_types: ['client_credentials'], scope: 'read', access_token_format: 'opaque' });
    const authorization = basic(client.client_id, client.client_secret!);
    const admin = await createClient(app, { client_name: 'admin', grant_types: ['client_credentials'], scope: 'admin' });
    const adminToken = (await tokenRequest(app, { grant_type: 'client_credentials', scope: 'admin' }, { authorization: basic(admin.client_id, admin.client_secret!) })).body.access_token as string;
    // An opaque token is a row: issuing one writes, introspecting one reads.
    const before = await tokenRequest(app, { grant_type: 'client_credentials', scope: 'read' }, { authorization });
    expect(before.status).toBe(200);
    const introspect = () => post(`${app.url}/oauth2/introspect`, { token: before.body.access_token as string }, authorization);
    expect((await introspect()).body).toMatchObject({ active: true });

    // A client never seen by this server: authenticating it needs the database too, and an
    // outage must not read as a wrong credential (401 invalid_client).
    const unseen = await createClient(app, { grant_types: ['client_credentials'], scope: 'read' });

    await proxy.cut();

    expectUnavailable(await tokenRequest(app, { grant_type: 'client_credentials', scope: 'read' }, { authorization: basic(unseen.client_id, unseen.client_secret!) }));
    expectUnavailable(await tokenRequest(app, { grant_type: 'client_credentials', scope: 'read' }, { authorization }));
    expectUnavailable(await tokenRequest(app, { grant_type: 'client_credentials', scope: 'read' }, { authorization }));
    expectUnavailable(await introspect());
    const revoke = await post(`${app.url}/oauth2/revoke`, { token: before.body.access_token as string }, authorization);
    expectUnavailable(revoke);
    const registered = await fetch(`${app.url}/oauth2/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'late', redirect_uris: ['https://late.example/cb'] }),
    });
    expectUnavailable({ status: registered.status, headers: registered.headers, body: await registered.json() });
    const userinfo = await fetch(`${app.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${before.body.access_token as string}` } });
    expectUnavailable({ status: userinfo.status, headers: userinfo.headers, body: await userinfo.json() });
    // The admin API: the same status and header, in its usual error shape (which is the OAuth one).
    const listed = await fetch(`${app.url}/api/admin/v1/clients`, { headers: { authorization: `Bearer ${adminToken}` } });
    expectUnavailable({ status: listed.status, headers: listed.headers, body: await listed.json() });

    const ready = await fetch(`${app.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ database: 'down' });
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
    // One line for the burst, naming the cause, no stack per request.
    const logged = outageLines(app.lines);
    expect(logged).toHaveLength(1);
    expect(logged[0]).not.toHaveProperty('stack');
    expect(app.lines.filter((line) => line.stack)).toEqual([]);
    // The audit trail says what the client was answered.
    expect(app.lines).toContainEqual(expect.objectContaining({ audit: true, event: 'token.refused', client_id: client.client_id, error: 'temporarily_unavailable' }));

    await proxy.restore();

    const after = await tokenRequest(app, { grant_type: 'client_credentials', scope: 'read' }, { authorization });
    expect(after.status).toBe(200);
    expect((await introspect()).body).toMatchObject({ active: true });
    expect((await fetch(`${app.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${app.url}/api/admin/v1/clients`, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
  });

  it('keeps a constraint violation what it is, not an outage: a second user with the same username is 409', async () => {
    const admin = await createClient(app, { client_name: 'admin', grant_types: ['client_credentials'], scope: 'admin' });
    const token = (await tokenRequest(app, { grant_type: 'client_credentials', scope: 'admin' }, { authorization: basic(admin.client_id, admin.client_secret!) })).body.access_token as string;
    const create = () =>
      fetch(`${app.url}/api/admin/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'zoe', password: 'correct horse battery staple' }),
      });
    expect((await create()).status).toBe(201);
    expect((await create()).status).toBe(409);
    expect(outageLines(app.lines)).toEqual([]);
  });
});

(server ? describe.skip : describe)('a database outage (SQLite: the file locked by another process past busy_timeout)', () => {
  const release = releaseAfterEach();

  it('answers a write that cannot get the lock with 503 temporarily_unavailable and Retry-After, then serves once the lock is gone', async () => {
    const db = freshDatabase();
    release(() => db.drop());
    const app = await start(db, db.url);
    release(() => app.close());
    const client = await createClient(app, { grant_types: ['client_credentials'], scope: 'read', access_token_format: 'opaque' });
    const authorization = basic(client.client_id, client.client_secret!);
    expect((await tokenRequest(app, { grant_type: 'client_credentials', scope: 'read' }, { authorization })).status).toBe(200);

    // Another process (the CLI, a backup tool) holding the write lock longer than busy_timeout (5 s).
    const other = new Database(db.url.slice('sqlite:'.length));
    release(async () => other.close());
    other.exec('BEGIN IMMEDIATE');
    try {
      expectUnavailable(await tokenRequest(app, { grant_type: 'client_credentials', scope: 'read' }, { authorization }));
    } finally {
      other.exec('ROLLBACK');
    }
    expect(outageLines(app.lines)).toHaveLength(1);

    expect((await tokenRequest(app, { grant_type: 'client_credentials', scope: 'read' }, { authorization })).status).toBe(200);
    expect((await fetch(`${app.url}/health/ready`)).status).toBe(200);
  }, 30_000);
});
