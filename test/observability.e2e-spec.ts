import { DataSource } from 'typeorm';
import { GRANTRY_LOG, GrantryLog } from '../src/observability/log';
import { UsersService } from '../src/users/users.service';
import { isMysql, isPostgres } from './support/database';
import { LoggedServer, startLogged, stop } from './support/logged-server';
import { basic, createClient, freePort, tokenRequest } from './support/server';

const metricsText = async (url: string) => (await fetch(`${url}/metrics`)).text();
const series = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(`${name}{`));

describe('logs, audit trail and metrics', () => {
  let server: LoggedServer;
  let client: { client_id: string; client_secret?: string };
  const PASSWORD = 'correct horse battery staple';
  let startup: Record<string, unknown>[];

  beforeAll(async () => {
    server = await startLogged({ oauth: { grant_type: { password: { enable: true } } } });
    startup = server.records();
    client = await createClient(server, { grant_types: ['client_credentials', 'password', 'refresh_token'], scope: 'read' });
    await server.app.get(UsersService).create({ username: 'alice', password: PASSWORD });
  });
  afterAll(() => stop(server));

  it('writes JSON lines with no secret, token, password or Authorization header after every grant and a failed authentication', async () => {
    const authorization = basic(client.client_id, client.client_secret!);
    const issued = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'read' }, { authorization });
    expect(issued.status).toBe(200);
    const password = await tokenRequest(server, { grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'read' }, { authorization });
    expect(password.status).toBe(200);
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: password.body.refresh_token as string }, { authorization });
    expect(refreshed.status).toBe(200);
    const refused = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, 'wrong-secret-value') });
    expect(refused.status).toBe(401);
    await fetch(`${server.url}/oauth2/authorize?id_token_hint=hint-in-the-query&client_id=x`);

    const text = server.lines.join('');
    const records = server.records(); // every line parses
    expect(records.length).toBeGreaterThan(5);
    for (const secret of [
      client.client_secret!, 'wrong-secret-value', PASSWORD, authorization, issued.body.access_token, password.body.access_token,
      password.body.refresh_token, refreshed.body.access_token, refreshed.body.refresh_token, 'hint-in-the-query',
    ]) {
      expect(text).not.toContain(secret as string);
    }
  });

  it('logs one line per request with the route pattern, status, duration, client and grant type', async () => {
    server.lines.length = 0;
    await tokenRequest(server, { grant_type: 'client_credentials', scope: 'read' }, { authorization: basic(client.client_id, client.client_secret!) });
    await fetch(`${server.url}/api/admin/v1/clients/some-id?token=abc`);
    const requests = server.records().filter((record) => record.msg === 'request');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ level: 30, method: 'POST', route: '/oauth2/token', status: 200, client_id: client.client_id, grant_type: 'client_credentials' });
    expect(typeof requests[0].duration_ms).toBe('number');
    expect(requests[1]).toMatchObject({ method: 'GET', route: '/api/admin/v1/clients/:clientId', status: 401 });
  });

  it('logs Nest route mapping at debug, not info', () => {
    // Collected from start-up (this server logs at debug).
    const mapped = startup.filter((record) => record.context === 'RouterExplorer');
    expect(mapped.length).toBeGreaterThan(10);
    for (const record of mapped) expect(record.level).toBe(20); // debug
  });

  it('redacts credentials in any object logged whole', () => {
    server.lines.length = 0;
    const log = server.app.get<GrantryLog>(GRANTRY_LOG);
    log.info({ headers: { authorization: 'Basic c2VjcmV0', cookie: 'sid=1' }, client_secret: 'plain', body: { client_assertion: 'eyJ.x.y' } }, 'probe');
    const [record] = server.records();
    expect(record).toMatchObject({ headers: { authorization: '[redacted]', cookie: '[redacted]' }, client_secret: '[redacted]', body: { client_assertion: '[redacted]' } });
  });

  it('audits an issued token, a refused one with its reason code, refresh reuse and an admin change', async () => {
    server.lines.length = 0;
    const authorization = basic(client.client_id, client.client_secret!);
    const first = await tokenRequest(server, { grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'read' }, { authorization });
    await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string }, { authorization });
    const reuse = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string }, { authorization });
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: 'refresh_token is invalid, expired, revoked or already used' });
    await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, 'nope') });

    const admin = await createClient(server, { client_name: 'admin', grant_types: ['client_credentials'], scope: 'admin' });
    const { body } = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'admin' }, { authorization: basic(admin.client_id, admin.client_secret!) });
    const created = await fetch(`${server.url}/api/admin/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${body.access_token as string}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'made by admin', grant_types: ['client_credentials'] }),
    });
    const made = (await created.json()) as { client_id: string };

    const audit = server.records().filter((record) => record.audit === true);
    const alice = (await server.app.get(UsersService).findByUsername('alice'))!.id;
    const issued = audit.filter((record) => record.event === 'token.issued');
    expect(issued[0]).toMatchObject({ level: 30, client_id: client.client_id, grant_type: 'password', scope: 'read' });
    expect(issued[0].sub).toBe(alice);
    expect(typeof issued[0].gid).toBe('string');
    expect(typeof issued[0].jti).toBe('string');
    expect(audit).toContainEqual(expect.objectContaining({ event: 'token.refused', client_id: client.client_id, grant_type: 'refresh_token', error: 'invalid_grant', reason: 'grant_refresh_token_reused' }));
    expect(audit).toContainEqual(expect.objectContaining({ event: 'grant.revoked', grant_id: issued[0].gid, why: 'refresh_token_reuse' }));
    expect(audit).toContainEqual(expect.objectContaining({ event: 'token.refused', grant_type: 'client_credentials', error: 'invalid_client', reason: 'client_secret_mismatch' }));
    expect(audit.find((record) => record.reason === 'client_secret_mismatch')).not.toHaveProperty('client_id');
    expect(audit).toContainEqual(expect.objectContaining({ event: 'admin.change', admin_client_id: admin.client_id, method: 'POST', resource: 'clients', id: made.client_id }));
  });

  it("audits a client's own registration, update and deletion (RFC 7591/7592), without its tokens", async () => {
    const admin = await createClient(server, { client_name: 'registrar', grant_types: ['client_credentials'], scope: 'admin' });
    const { body: adminToken } = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'admin' }, { authorization: basic(admin.client_id, admin.client_secret!) });
    const json = { 'content-type': 'application/json' };
    const iat = (await (await fetch(`${server.url}/api/admin/v1/initial-access-tokens`, {
      method: 'POST', headers: { ...json, authorization: `Bearer ${adminToken.access_token as string}` }, body: '{}',
    })).json()) as { initial_access_token: string };
    server.lines.length = 0;
    const registered = (await (await fetch(`${server.url}/oauth2/register`, {
      method: 'POST', headers: { ...json, authorization: `Bearer ${iat.initial_access_token}` },
      body: JSON.stringify({ client_name: 'self-registered', redirect_uris: ['https://self.example/cb'], token_endpoint_auth_method: 'client_secret_basic' }),
    })).json()) as { client_id: string; registration_client_uri: string; registration_access_token: string; client_secret: string };
    const updated = await fetch(registered.registration_client_uri, {
      method: 'PUT', headers: { ...json, authorization: `Bearer ${registered.registration_access_token}` },
      body: JSON.stringify({ client_id: registered.client_id, client_name: 'renamed', redirect_uris: ['https://self.example/cb'], token_endpoint_auth_method: 'client_secret_basic' }),
    });
    const { registration_access_token: rotated } = (await updated.json()) as { registration_access_token: string };
    expect((await fetch(registered.registration_client_uri, { method: 'DELETE', headers: { authorization: `Bearer ${rotated}` } })).status).toBe(204);

    const events = server.records().filter((record) => record.audit === true).map(({ event, client_id }) => ({ event, client_id }));
    expect(events).toEqual(['registered', 'updated', 'deleted'].map((change) => ({ event: `client.${change}`, client_id: registered.client_id })));
    const text = server.lines.join('');
    for (const secret of [iat.initial_access_token, registered.registration_access_token, rotated, registered.client_secret]) expect(text).not.toContain(secret);
  });

  it('counts token requests, failures by reason and latency on /metrics; junk grant types add no series', async () => {
    const authorization = basic(client.client_id, client.client_secret!);
    await tokenRequest(server, { grant_type: 'client_credentials', scope: 'read' }, { authorization });
    await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, 'bad') });
    await tokenRequest(server, { grant_type: 'urn:example:unknown' }, { authorization });
    const before = await metricsText(server.url);
    expect(before).toMatch(/grantry_token_requests_total\{grant_type="client_credentials",auth_method="client_secret_basic",outcome="issued",tenant="[^"]+"\} \d+/);
    expect(before).toMatch(/grantry_token_requests_total\{grant_type="client_credentials",auth_method="client_secret_basic",outcome="refused",tenant="[^"]+"\} \d+/);
    expect(before).toMatch(/grantry_token_requests_total\{grant_type="other",auth_method="client_secret_basic",outcome="refused",tenant="[^"]+"\} \d+/);
    expect(before).toMatch(/grantry_token_failures_total\{reason="client_secret_mismatch",tenant="[^"]+"\} \d+/);
    expect(before).toMatch(/grantry_token_failures_total\{reason="grant_type_unsupported",tenant="[^"]+"\} \d+/);
    expect(before).toMatch(/grantry_http_request_duration_seconds_bucket\{le="[\d.]+",method="POST",route="\/oauth2\/token",status_class="2xx"\} \d+/);
    expect(before).toContain('grantry_replay_rejections_total 0');
    expect(before).toContain('# TYPE grantry_outbound_fetches_total counter');
    expect(before).toContain('process_cpu_user_seconds_total');

    for (let i = 0; i < 5; i++) {
      await tokenRequest(server, { grant_type: `junk-${i}-${Math.random()}` }, { authorization });
      await fetch(`${server.url}/no/such/path/${i}`, { method: 'PROPFIND' as string });
    }
    const after = await metricsText(server.url);
    expect(series(after, 'grantry_token_requests_total')).toHaveLength(series(before, 'grantry_token_requests_total').length);
    expect(after).not.toContain('junk-');
    expect(after).not.toContain('/no/such/path');
    expect(after).toContain('route="unmatched"');
  });
});

describe('metrics settings', () => {
  it('serves /metrics on a separate port when [metrics] port is set, and closes it on shutdown', async () => {
    const port = await freePort();
    const server = await startLogged({ metrics: { port } });
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
      const separate = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(separate.status).toBe(200);
      expect(await separate.text()).toContain('grantry_token_requests_total');
    } finally {
      await stop(server);
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('serves no /metrics when [metrics] enable = false', async () => {
    const server = await startLogged({ metrics: { enable: false } });
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    } finally {
      await stop(server);
    }
  });

  const pooled = isPostgres() || isMysql();
  (pooled ? it : it.skip)('shows the database pool at scrape time: idle, busy, and requests waiting for a connection', async () => {
    // Two connections (start-up needs two at once: the migration lock and the migrations).
    const server = await startLogged({ database: { pool_size: 2 } });
    const runners = [server.app.get(DataSource).createQueryRunner(), server.app.get(DataSource).createQueryRunner()];
    try {
      expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
      const gauge = async () => Object.fromEntries(
        series(await metricsText(server.url), 'grantry_db_pool_connections').map((line) => [/state="(\w+)"/.exec(line)![1], Number(line.split(' ').pop())]),
      );
      expect((await gauge()).waiting).toBe(0);
      // Both connections held elsewhere: readiness has to wait for one.
      for (const runner of runners) await runner.query('SELECT 1');
      const ready = fetch(`${server.url}/health/ready`);
      let seen: Record<string, number> = {};
      for (let i = 0; i < 50 && seen.waiting !== 1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen = await gauge();
      }
      expect(seen).toEqual({ idle: 0, busy: 2, waiting: 1 });
      await runners[0].release();
      expect((await ready).status).toBe(200);
      await runners[1].release();
      expect(await gauge()).toMatchObject({ busy: 0, waiting: 0 });
    } finally {
      for (const runner of runners) await runner.release().catch(() => undefined);
      await stop(server);
    }
  });

  (pooled ? it.skip : it)('shows no pool gauge for SQLite (one connection, no pool)', async () => {
    const server = await startLogged();
    try {
      expect(await metricsText(server.url)).not.toContain('grantry_db_pool_connections');
    } finally {
      await stop(server);
    }
  });
});
