import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { withCliContext } from '../src/cli/cli-context';
import { deepMerge } from '../src/common/deep-merge';
import { buildConfig } from '../src/config/config-loader';
import { HousekeepingService, SweepResult } from '../src/housekeeping/housekeeping.service';
import { SWEPT_TABLES } from '../src/housekeeping/swept-tables';
import { parseIdentityProviderInput } from '../src/identity-providers/identity-provider-input';
import { IdentityProvidersService } from '../src/identity-providers/identity-providers.service';
import { jwksServer, keyPair, signAssertion } from './support/assertions';
import { freshDatabase, isMysql, isPostgres, TestDatabase } from './support/database';
import { releaseAfterEach } from './support/resources';
import { basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const GRACE = 600;
const now = () => Math.floor(Date.now() / 1000);

/** A row of each swept table with the given key and expiry (the columns its migrations require). */
const ROWS: Record<string, { key: string; row(key: string, expiresAt: number): Record<string, unknown> }> = {
  used_jtis: { key: 'jti', row: (jti, expiresAt) => ({ tenant: 'carbon.super', issuer: 'https://idp.example', jti, expires_at: expiresAt }) },
  dpop_jtis: { key: 'jti', row: (jti, expiresAt) => ({ jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I', jti, expires_at: expiresAt }) },
  access_tokens: {
    key: 'token_hash',
    row: (token_hash, expiresAt) => ({
      token_hash, tenant: 'carbon.super', client_id: 'c1', subject: 'alice', scope: 'read', audience: '["c1"]', claims: '{}', expires_at: expiresAt, created_at: now() - 7200,
    }),
  },
  revoked_access_tokens: {
    key: 'jti',
    row: (jti, expiresAt) => ({ tenant: 'carbon.super', jti, client_id: 'c1', expires_at: expiresAt, revoked_at: now() - 7200 }),
  },
  refresh_tokens: {
    key: 'token_hash',
    row: (token_hash, expiresAt) => ({ token_hash, tenant: 'carbon.super', grant_id: 'g1', client_id: 'c1', created_at: now() - 7200, expires_at: expiresAt }),
  },
  authorization_codes: {
    key: 'code_hash',
    row: (code_hash, expiresAt) => ({ code_hash, tenant: 'carbon.super', client_id: 'c1', grant_id: 'g1', redirect_uri: 'https://app.example/cb', created_at: now() - 7200, expires_at: expiresAt }),
  },
  interactions: {
    key: 'id',
    row: (id, expiresAt) => ({ id, tenant: 'carbon.super', binding_hash: 'b', csrf: 'c', client_id: 'c1', request: '{}', step: 0, created_at: now() - 7200, expires_at: expiresAt }),
  },
  pushed_requests: {
    key: 'handle_hash',
    row: (handle_hash, expiresAt) => ({ handle_hash, tenant: 'carbon.super', client_id: 'c1', params: '{}', expires_at: expiresAt }),
  },
  sessions: {
    key: 'id',
    row: (id, expiresAt) => ({ id, tenant: 'carbon.super', secret_hash: `s-${id}`, user_id: 'u1', auth_time: now() - 7200, amr: '["pwd"]', created_at: now() - 7200, expires_at: expiresAt }),
  },
  initial_access_tokens: {
    key: 'token_digest',
    row: (token_digest, expiresAt) => ({ token_digest, tenant: 'carbon.super', created_at: now() - 7200, expires_at: expiresAt, max_uses: null, uses: 0 }),
  },
  grant_records: {
    key: 'id',
    row: (id, expiresAt) => ({
      id, tenant: 'carbon.super', client_id: 'c1', grant_type: JWT_BEARER, subject: 'alice', scope: 'read', audience: '["c1"]', claims: '{}', created_at: now() - 7200, expires_at: expiresAt,
    }),
  },
};

/** `?` placeholders, numbered for PostgreSQL. */
function dialect(sql: string): string {
  let n = 0;
  return isPostgres() ? sql.replace(/\?/g, () => `$${++n}`) : sql;
}

async function insert(db: DataSource, table: string, rows: Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 100) {
    const chunk = rows.slice(start, start + 100);
    const columns = Object.keys(chunk[0]);
    const values = chunk.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
    await db.query(dialect(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}`), chunk.flatMap((row) => columns.map((c) => row[c])));
  }
}

/**
 * Fills every swept table with `expired` rows past the grace period, `withinGrace` rows expired
 * less than the grace period ago and `live` rows; keys say which is which.
 */
async function seed(db: DataSource, counts: { expired: number; withinGrace?: number; live?: number }, prefix = randomUUID().slice(0, 8)): Promise<void> {
  const t = now();
  const kinds: [string, number, number][] = [
    ['expired', counts.expired, t - GRACE - 60],
    ['grace', counts.withinGrace ?? 0, t - GRACE / 2],
    ['live', counts.live ?? 0, t + 3600],
  ];
  for (const [table, { row }] of Object.entries(ROWS)) {
    const rows = kinds.flatMap(([kind, count, expiresAt]) => Array.from({ length: count }, (_, i) => row(`${kind}-${prefix}-${i}`, expiresAt - (i % 7))));
    if (rows.length) await insert(db, table, rows);
  }
}

/** Keys left in a table, by kind: `{ expired: n, grace: n, live: n }`. */
async function left(db: DataSource, table: string): Promise<Record<string, number>> {
  const rows = (await db.query(`SELECT ${ROWS[table].key} AS k FROM ${table}`)) as { k: string }[];
  const kinds: Record<string, number> = {};
  for (const { k } of rows) kinds[k.split('-')[0]] = (kinds[k.split('-')[0]] ?? 0) + 1;
  return kinds;
}

const each = (count: number) => Object.fromEntries(SWEPT_TABLES.map((table) => [table, count]));

interface Line {
  level: string;
  context?: string;
  text: string;
}

/** Captures what goes through Nest's Logger (as log-safety.e2e-spec does), with level and context. */
function captureLogs(): { lines: Line[]; restore(): void } {
  const lines: Line[] = [];
  const spies = (['debug', 'log', 'warn', 'error'] as const).map((level) =>
    jest.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, ...args: unknown[]) {
      lines.push({ level, context: (this as unknown as { context?: string }).context, text: args.map(String).join(' ') });
    }),
  );
  return { lines, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

const housekeepingLines = (lines: Line[], level?: string) => lines.filter((l) => l.context === 'Housekeeping' && (!level || l.level === level));

describe('housekeeping: expired rows are swept in batches (issue 12, item 7)', () => {
  const release = releaseAfterEach();

  /** A server with `[housekeeping]` over the test defaults (no timer sweep unless asked), on `db` if given. */
  async function start(housekeeping: Record<string, unknown> = {}, db?: TestDatabase): Promise<TestServer> {
    // Expired rows only: the audit trail's retention sweep has its own spec (audit-trail.e2e-spec).
    const server = await startServer({ housekeeping: { enable: false, grace_period: GRACE, ...housekeeping }, audit: { retention_days: 0 } }, db);
    release(() => (db ? server.close() : stopServer(server)));
    return server;
  }
  const sweeper = (server: TestServer) => server.app.get(HousekeepingService);
  const dataSource = (server: TestServer) => server.app.get(DataSource);

  it('sweeps every table on the list, and the fixtures here cover each of them', () => {
    // A table added to SWEPT_TABLES (authorization_codes) needs its row here too.
    expect([...SWEPT_TABLES].sort()).toEqual(Object.keys(ROWS).sort());
  });

  it('deletes rows expired longer ago than the grace period from every table; keeps live ones and those within the grace period', async () => {
    const server = await start();
    const db = dataSource(server);
    await seed(db, { expired: 5, withinGrace: 3, live: 4 });

    const result = await sweeper(server).sweepNow();

    expect(result).toMatchObject({ deleted: each(5), failed: {}, unfinished: [] });
    for (const table of SWEPT_TABLES) expect(await left(db, table)).toEqual({ grace: 3, live: 4 });
    expect((await sweeper(server).sweepNow()).deleted).toEqual(each(0));
  });

  it('deletes more rows than one batch holds, in several batches, and stops a sweep at the batch cap for the next one to go on', async () => {
    const server = await start({ batch_size: 7 });
    const db = dataSource(server);
    await seed(db, { expired: 50, live: 3 });

    const capped = await sweeper(server).sweepNow({ maxBatchesPerTable: 3 });
    expect(capped).toMatchObject({ deleted: each(21), failed: {}, unfinished: [...SWEPT_TABLES] });

    const rest = await sweeper(server).sweepNow();
    expect(rest).toMatchObject({ deleted: each(29), failed: {}, unfinished: [] });
    for (const table of SWEPT_TABLES) expect(await left(db, table)).toEqual({ live: 3 });
  });

  it('runs two sweeps at once (two instances on PostgreSQL/MariaDB, two calls on SQLite): both succeed and each row is deleted once', async () => {
    const shared = isPostgres() || isMysql();
    const first = await start({ batch_size: 10 });
    const second = shared ? await start({ batch_size: 10 }, first.db) : first;
    const db = dataSource(first);
    await seed(db, { expired: 300, live: 5 });

    const results: SweepResult[] = await Promise.all([sweeper(first).sweepNow(), sweeper(second).sweepNow()]);

    for (const result of results) expect(result.failed).toEqual({});
    for (const table of SWEPT_TABLES) {
      expect(results[0].deleted[table] + results[1].deleted[table]).toBe(300);
      expect(await left(db, table)).toEqual({ live: 5 });
    }
  });

  it('sweeps while requests write through the atomic writer (SQLite group commit): every request succeeds and keeps its row', async () => {
    const server = await start({ batch_size: 5 });
    const db = dataSource(server);
    const idp = await keyPair('ES256');
    const jwks = await jwksServer([idp.publicJwk]);
    release(() => jwks.close());
    await server.app.get(IdentityProvidersService).create(parseIdentityProviderInput({ name: 'idp', issuer: 'idp', jwks_uri: jwks.url, allow_insecure_jwks_uri: true }));
    const client = await createClient(server, { grant_types: [JWT_BEARER], scope: 'read' });
    await seed(db, { expired: 400 });
    const exchange = async () =>
      tokenRequest(
        server,
        { grant_type: JWT_BEARER, assertion: await signAssertion(idp, { iss: 'idp', sub: 'alice', aud: `${server.url}/oauth2/token`, jti: randomUUID() }) },
        { authorization: basic(client.client_id, client.client_secret!) },
      );
    expect((await exchange()).status).toBe(200); // JWKS fetched before the race

    const [result, ...responses] = await Promise.all([sweeper(server).sweepNow(), ...Array.from({ length: 20 }, exchange)]);

    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(result).toMatchObject({ deleted: each(400), failed: {} });
    const kept = (await db.query('SELECT jti FROM used_jtis')) as { jti: string }[];
    expect(kept).toHaveLength(21); // the racing requests' jtis and the first one's
    expect(kept.filter(({ jti }) => jti.startsWith('expired-'))).toEqual([]);
    for (const table of SWEPT_TABLES) expect((await left(db, table)).expired).toBeUndefined(); // the requests' grants stay
  });

  it('logs one info line naming the rows per table and the time, and nothing at info when nothing expired', async () => {
    const server = await start();
    await seed(dataSource(server), { expired: 2, live: 1 });
    const logs = captureLogs();
    try {
      await sweeper(server).sweepNow();
      await sweeper(server).sweepNow();
    } finally {
      logs.restore();
    }
    const info = housekeepingLines(logs.lines, 'log');
    expect(info).toHaveLength(1);
    expect(info[0].text).toMatch(new RegExp(`^housekeeping: swept ${2 * SWEPT_TABLES.length} rows \\(${SWEPT_TABLES.map((table) => `${table} 2`).join(', ')}\\) in \\d+ ms$`));
    expect(housekeepingLines(logs.lines, 'debug').map((l) => l.text)).toEqual([expect.stringMatching(/^housekeeping: nothing expired to sweep \(\d+ ms\)$/)]);
  });

  it('warns naming the table when its sweep fails, sweeps the other tables and does not throw', async () => {
    const server = await start();
    const db = dataSource(server);
    await seed(db, { expired: 2 });
    await db.query('DROP TABLE revoked_access_tokens');
    const logs = captureLogs();
    let result: SweepResult;
    try {
      result = await sweeper(server).sweepNow();
    } finally {
      logs.restore();
    }
    expect(Object.keys(result.failed)).toEqual(['revoked_access_tokens']);
    expect(result.deleted).toEqual({ ...each(2), revoked_access_tokens: 0 });
    const warnings = housekeepingLines(logs.lines, 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].text).toMatch(/^housekeeping: sweeping revoked_access_tokens failed: \S/);
    expect(warnings[0].text).toContain(result.failed.revoked_access_tokens);
    const others = SWEPT_TABLES.filter((table) => table !== 'revoked_access_tokens');
    expect(housekeepingLines(logs.lines, 'log')[0].text).toMatch(new RegExp(`^housekeeping: swept ${2 * others.length} rows \\(${others.map((table) => `${table} 2`).join(', ')}\\) in \\d+ ms$`));
  });

  it('sweeps every [housekeeping] interval seconds in a server when enabled, and logs it', async () => {
    const server = await start({ enable: true, interval: 1 });
    const db = dataSource(server);
    await seed(db, { expired: 3, live: 1 });
    const logs = captureLogs();
    try {
      const deadline = Date.now() + 5000;
      while ((await left(db, 'grant_records')).expired && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      logs.restore();
    }
    for (const table of SWEPT_TABLES) expect(await left(db, table)).toEqual({ live: 1 });
    expect(housekeepingLines(logs.lines, 'log').map((l) => l.text)).toContainEqual(expect.stringMatching(new RegExp(`^housekeeping: swept ${3 * SWEPT_TABLES.length} rows `)));
  });

  it('never sweeps on a timer in CLI mode (a sweep on demand still works there)', async () => {
    const database = freshDatabase();
    release(() => database.drop());
    await database.prepare?.();
    const config = buildConfig(
      deepMerge(
        { database: { url: database.url, ...(database.schema ? { schema: database.schema } : {}) }, security: { master_key: database.masterKey } },
        { housekeeping: { enable: true, interval: 1, grace_period: GRACE }, audit: { retention_days: 0 } },
      ),
      { env: {} },
    );
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
    const result = await withCliContext(config, io, async (app) => {
      const db = app.get(DataSource);
      await seed(db, { expired: 2 });
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect(await left(db, 'used_jtis')).toEqual({ expired: 2 });
      return app.get(HousekeepingService).sweepNow();
    });
    expect(result.deleted).toEqual(each(2));
  });
});
