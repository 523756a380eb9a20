import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { MIGRATIONS } from '../src/database/migrations';
import { GrantSubjectNamespace1764900300000 } from '../src/database/migrations/1764900300000-grant-subject-namespace';
import { SenderConstraints1765000000000 } from '../src/database/migrations/1765000000000-sender-constraints';
import { RowVersions1765100000000 } from '../src/database/migrations/1765100000000-row-versions';
import { AuditEvents1765100500000 } from '../src/database/migrations/1765100500000-audit-events';
import { Tenants1765200000000 } from '../src/database/migrations/1765200000000-tenants';
import { KEPT_WITH_TENANT_DELETED, TENANT_TABLES } from '../src/tenants/tenant-tables';
import { freshDatabase } from './support/database';
import { databaseBefore, databaseMigrated } from './support/previous-release';
import { adminToken, startServer, tokenRequest } from './support/server';
import { insertTenantRow, rowsOfTenant, tablesWithTenantColumn } from './support/tenant-rows';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest('base64url');

describe('migration to grant records', () => {
  it('turns each refresh-token family of an existing database into a grant: live tokens still rotate, reuse still ends the grant', async () => {
    const db = freshDatabase();
    let old: DataSource | undefined;
    try {
      // A database as the previous release left it, with a public client and a family of two
      // refresh tokens, the first already rotated.
      old = await databaseBefore(db, 'GrantRecords1764300000000');
      const now = Math.floor(Date.now() / 1000);
      await old.query(
        `INSERT INTO clients (client_id, tenant, client_name, token_endpoint_auth_method, grant_types, response_types, redirect_uris, scope, audience, created_at, updated_at)
         VALUES ('legacy-app', 'default', 'legacy', 'none', '["${JWT_BEARER}","refresh_token"]', '[]', '[]', 'read write', '[]', ${now}, ${now})`,
      );
      for (const [token, consumedAt] of [['rotated-token', now], ['live-token', null]] as const) {
        await old.query(
          `INSERT INTO refresh_tokens (token_hash, tenant, family_id, client_id, subject, scope, audience, claims, created_at, expires_at, consumed_at, revoked_at)
           VALUES ('${hash(token)}', 'default', 'family-1', 'legacy-app', 'alice', 'read write', '["legacy-app"]', '{"email":"a@example.com"}', ${now}, ${now + 3600}, ${consumedAt ?? 'NULL'}, NULL)`,
        );
      }
      await old.destroy();
      old = undefined;

      // This release migrates at start-up.
      const server = await startServer({}, db);
      try {
        const refresh = (token: string) => tokenRequest(server, { grant_type: 'refresh_token', refresh_token: token, client_id: 'legacy-app' });
        const rotated = await refresh('live-token');
        expect(rotated.status).toBe(200);
        expect(rotated.body.scope).toBe('read write');
        const claims = JSON.parse(Buffer.from((rotated.body.access_token as string).split('.')[1], 'base64url').toString());
        expect(claims).toMatchObject({ sub: 'alice', gid: 'family-1', email: 'a@example.com' });
        expect((await refresh('rotated-token')).status).toBe(400); // reuse of the old family's rotated token...
        expect((await refresh(rotated.body.refresh_token as string)).status).toBe(400); // ...ends the grant
      } finally {
        await server.close();
      }
    } finally {
      await old?.destroy();
      await db.drop();
    }
  });
});

describe('migration to recorded subject namespaces', () => {
  it('marks only grants that provably name a local user as such, and goes down again', async () => {
    const db = freshDatabase();
    const sources: DataSource[] = [];
    const open = async (migrations: typeof MIGRATIONS) => {
      const source = await databaseMigrated(db, migrations);
      sources.push(source);
      return source;
    };
    try {
      const old = await open(MIGRATIONS.slice(0, MIGRATIONS.findIndex((migration) => migration.name === 'GrantSubjectNamespace1764900300000')));
      const now = Math.floor(Date.now() / 1000);
      const grants: [string, string, string | null][] = [
        ['code', 'authorization_code', null],
        ['implicit', 'implicit', null],
        ['password', 'password', null],
        // Mapped or not when it was made: nothing in the row says, so not a user.
        ['bearer', JWT_BEARER, 'idp-1'],
        ['plugin', 'urn:example:custom', null],
      ];
      for (const [id, grantType, provider] of grants) {
        await old.query(
          `INSERT INTO grant_records (id, tenant, client_id, grant_type, subject, identity_provider, scope, audience, claims, created_at, expires_at)
           VALUES ('${id}', 'default', 'c1', '${grantType}', 'u1', ${provider ? `'${provider}'` : 'NULL'}, 'openid', '["c1"]', '{}', ${now}, ${now + 3600})`,
        );
      }
      await old.destroy();

      const current = await open(MIGRATIONS);
      const rows = (await current.query('SELECT id, subject_is_user FROM grant_records ORDER BY id')) as { id: string; subject_is_user: unknown }[];
      // PostgreSQL answers booleans, SQLite and MariaDB 1 and 0.
      expect(Object.fromEntries(rows.map((row) => [row.id, Boolean(Number(row.subject_is_user))]))).toEqual({ bearer: false, code: true, implicit: true, password: true, plugin: false });

      const runner = current.createQueryRunner();
      try {
        await new GrantSubjectNamespace1764900300000().down(runner);
        expect((await runner.getTable('grant_records'))?.findColumnByName('subject_is_user')).toBeUndefined();
      } finally {
        await runner.release();
      }
    } finally {
      for (const source of sources) if (source.isInitialized) await source.destroy();
      await db.drop();
    }
  });
});

describe('migration to sender-constrained tokens', () => {
  it('leaves every existing token a bearer token that still works, and goes down again', async () => {
    const db = freshDatabase();
    const sources: DataSource[] = [];
    const open = async (migrations: typeof MIGRATIONS) => {
      const source = await databaseMigrated(db, migrations);
      sources.push(source);
      return source;
    };
    try {
      // The previous release, with a client, a grant, its refresh token and an opaque access token.
      const old = await open(MIGRATIONS.slice(0, MIGRATIONS.findIndex((migration) => migration.name === 'SenderConstraints1765000000000')));
      const now = Math.floor(Date.now() / 1000);
      await old.query(
        `INSERT INTO clients (client_id, tenant, client_name, token_endpoint_auth_method, grant_types, response_types, redirect_uris, scope, audience, created_at, updated_at)
         VALUES ('legacy-app', 'default', 'legacy', 'none', '["${JWT_BEARER}","refresh_token"]', '[]', '[]', 'read', '[]', ${now}, ${now})`,
      );
      await old.query(
        `INSERT INTO grant_records (id, tenant, client_id, grant_type, subject, scope, audience, claims, created_at, expires_at)
         VALUES ('grant-1', 'default', 'legacy-app', '${JWT_BEARER}', 'alice', 'read', '["legacy-app"]', '{}', ${now}, ${now + 3600})`,
      );
      await old.query(`INSERT INTO refresh_tokens (token_hash, tenant, grant_id, client_id, created_at, expires_at) VALUES ('${hash('legacy-refresh')}', 'default', 'grant-1', 'legacy-app', ${now}, ${now + 3600})`);
      await old.query(
        `INSERT INTO access_tokens (token_hash, tenant, client_id, subject, scope, audience, claims, expires_at, created_at, grant_id)
         VALUES ('${hash('legacy-opaque')}', 'default', 'legacy-app', 'alice', 'read', '["legacy-app"]', '{}', ${now + 3600}, ${now}, 'grant-1')`,
      );
      await old.destroy();

      const server = await startServer({}, db);
      try {
        const rows = await server.app.get(DataSource).query('SELECT cnf FROM refresh_tokens UNION ALL SELECT cnf FROM access_tokens');
        expect(rows).toEqual([{ cnf: null }, { cnf: null }]);
        // Bearer tokens as before: the refresh token rotates, into a bearer token again.
        const rotated = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: 'legacy-refresh', client_id: 'legacy-app' });
        expect(rotated.body).toMatchObject({ token_type: 'Bearer', scope: 'read' });
      } finally {
        await server.close();
      }

      const current = await open(MIGRATIONS);
      const runner = current.createQueryRunner();
      try {
        await new SenderConstraints1765000000000().down(runner);
        expect((await runner.getTable('access_tokens'))?.findColumnByName('cnf')).toBeUndefined();
        expect((await runner.getTable('refresh_tokens'))?.findColumnByName('cnf')).toBeUndefined();
      } finally {
        await runner.release();
      }
    } finally {
      for (const source of sources) if (source.isInitialized) await source.destroy();
      await db.drop();
    }
  });
});

describe('migration to row versions', () => {
  it('starts every client, identity provider and user at version 1 with an ETag a PATCH can name, and goes down again', async () => {
    const db = freshDatabase();
    let old: DataSource | undefined;
    let current: DataSource | undefined;
    try {
      old = await databaseBefore(db, 'RowVersions1765100000000');
      const now = Math.floor(Date.now() / 1000);
      await old.query(
        `INSERT INTO clients (client_id, tenant, client_name, token_endpoint_auth_method, grant_types, response_types, redirect_uris, scope, audience, created_at, updated_at)
         VALUES ('legacy-app', 'default', 'legacy', 'none', '["${JWT_BEARER}"]', '[]', '[]', 'read', '[]', ${now}, ${now})`,
      );
      await old.query(
        `INSERT INTO identity_providers (id, tenant, name, issuer, jwks_uri, signing_algs, claim_mappings, created_at, updated_at)
         VALUES ('legacy-idp', 'default', 'legacy', 'https://idp.example', 'https://idp.example/jwks', '["RS256"]', '{}', ${now}, ${now})`,
      );
      await old.query(`INSERT INTO users (id, tenant, username, claims, created_at, updated_at) VALUES ('legacy-user', 'default', 'legacy', '{}', ${now}, ${now})`);
      await old.destroy();
      old = undefined;

      const server = await startServer({}, db);
      try {
        const token = await adminToken(server);
        const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
          fetch(`${server.url}/api/admin/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
        for (const [path, change] of [['/clients/legacy-app', { client_name: 'renamed' }], ['/identity-providers/legacy-idp', { enabled: false }], ['/users/legacy-user', { claims: { a: 1 } }]] as const) {
          const etag = (await call('GET', path)).headers.get('etag')!;
          expect(etag).toMatch(/^"[^"]+"$/);
          expect((await call('PATCH', path, { 'if-match': etag }, change)).status).toBe(200);
          expect((await call('PATCH', path, { 'if-match': etag }, change)).status).toBe(412);
        }
        const versions = await server.app.get(DataSource).query(
          `SELECT version FROM clients WHERE client_id = 'legacy-app' UNION ALL SELECT version FROM identity_providers WHERE id = 'legacy-idp' UNION ALL SELECT version FROM users WHERE id = 'legacy-user'`,
        );
        expect(versions.map((row: { version: unknown }) => Number(row.version))).toEqual([2, 2, 2]);
      } finally {
        await server.close();
      }

      current = new DataSource({ ...dataSourceOptions({ url: db.url, schema: db.schema, migrate: true, pool_size: 2, sqlite_synchronous: 'full' }), migrations: MIGRATIONS });
      await current.initialize();
      const runner = current.createQueryRunner();
      try {
        await new RowVersions1765100000000().down(runner);
        for (const table of ['clients', 'identity_providers', 'users']) expect((await runner.getTable(table))?.findColumnByName('version')).toBeUndefined();
      } finally {
        await runner.release();
      }
    } finally {
      await old?.destroy();
      if (current?.isInitialized) await current.destroy();
      await db.drop();
    }
  });
});

describe('migration to the audit trail', () => {
  it('adds audit_events, whose ids grow with each row, and goes down again', async () => {
    const db = freshDatabase();
    try {
      await (await databaseBefore(db, 'AuditEvents1765100500000')).destroy();
      const server = await startServer({}, db);
      try {
        const source = server.app.get(DataSource);
        for (const actor of ['operator:first', 'operator:second']) {
          await source.query(`INSERT INTO audit_events (tenant, occurred_at, actor, event) VALUES ('default', 1, '${actor}', 'client.created')`);
        }
        const rows = (await source.query("SELECT id, actor FROM audit_events WHERE actor LIKE 'operator:%' ORDER BY id")) as { id: unknown; actor: string }[];
        expect(rows.map((row) => row.actor)).toEqual(['operator:first', 'operator:second']);
        expect(Number(rows[1].id)).toBeGreaterThan(Number(rows[0].id));

        const runner = source.createQueryRunner();
        try {
          await new AuditEvents1765100500000().down(runner);
          expect(await runner.hasTable('audit_events')).toBe(false);
        } finally {
          await runner.release();
        }
      } finally {
        await server.close();
      }
    } finally {
      await db.drop();
    }
  });
});

describe('migration to tenants (issue 26 item 7)', () => {
  /** What must survive the rename: columns, primary key and indexes of every tenant table; the tenant column's default apart. */
  const shapeOf = async (source: DataSource, tables: readonly string[]) => {
    const runner = source.createQueryRunner();
    try {
      const shapes: Record<string, unknown> = {};
      const defaults: Record<string, string | undefined> = {};
      for (const name of tables) {
        const table = (await runner.getTable(name))!;
        shapes[name] = {
          columns: table.columns.map((column) => [column.name, column.type, column.isNullable, column.isPrimary, column.isGenerated, column.name === 'tenant' ? null : column.default]).sort(),
          indices: table.indices.map((index) => `${index.isUnique ? 'unique ' : ''}${index.columnNames.join(',')}`).sort(),
        };
        const tenantDefault = table.findColumnByName('tenant')!.default as string | undefined;
        defaults[name] = tenantDefault === undefined ? undefined : /carbon\.super/.test(tenantDefault) ? 'carbon.super' : /default/.test(tenantDefault) ? 'default' : tenantDefault;
      }
      return { shapes, defaults };
    } finally {
      await runner.release();
    }
  };

  it('renames the default tenant to carbon.super in every table, keys and indexes kept, adds tenants, and goes down again', async () => {
    const db = freshDatabase();
    const sources: DataSource[] = [];
    const open = async (migrations: typeof MIGRATIONS) => {
      const source = await databaseMigrated(db, migrations);
      sources.push(source);
      return source;
    };
    try {
      const old = await open(MIGRATIONS.slice(0, MIGRATIONS.findIndex((migration) => migration.name === 'Tenants1765200000000')));
      const tables = await tablesWithTenantColumn(old);
      // Tables created after the tenants migration (with their tenant column from the start) are not there yet.
      const later = ['pushed_requests'];
      expect(tables).toEqual([...TENANT_TABLES, ...KEPT_WITH_TENANT_DELETED].filter((table) => !later.includes(table)).sort());
      // Two rows of the one tenant there was in every table, so unique (tenant, ...) keys meet each other.
      for (const table of tables) for (let i = 0; i < 2; i++) await insertTenantRow(old, table, 'default');
      const before = await shapeOf(old, tables);
      expect(new Set(Object.values(before.defaults))).toEqual(new Set(['default', undefined]));
      await old.destroy();

      // Up to the tenants migration: later ones change tables of their own (clients.super_admin).
      const current = await open(MIGRATIONS.slice(0, MIGRATIONS.findIndex((migration) => migration.name === 'Tenants1765200000000') + 1));
      expect(await rowsOfTenant(current, tables, 'carbon.super')).toEqual(Object.fromEntries(tables.map((table) => [table, 2])));
      expect(await rowsOfTenant(current, tables, 'default')).toEqual(Object.fromEntries(tables.map((table) => [table, 0])));
      const up = await shapeOf(current, tables);
      expect(up.shapes).toEqual(before.shapes);
      expect(up.defaults).toEqual(Object.fromEntries(Object.entries(before.defaults).map(([table, value]) => [table, value && 'carbon.super'])));
      const [tenant] = (await current.query('SELECT domain, display_name, enabled, settings, version FROM tenants')) as Record<string, unknown>[];
      expect({ ...tenant, enabled: Boolean(Number(tenant.enabled) || tenant.enabled === true) }).toEqual({ domain: 'carbon.super', display_name: 'Default tenant', enabled: true, settings: '{}', version: 1 });
      // A statement that leaves the tenant out lands in carbon.super; audit ids still grow by themselves (SQLite rebuilt the table).
      await current.query("INSERT INTO audit_events (occurred_at, actor, event) VALUES (1, 'operator:after', 'client.created')");
      expect(await current.query("SELECT tenant FROM audit_events WHERE actor = 'operator:after'")).toEqual([{ tenant: 'carbon.super' }]);

      const runner = current.createQueryRunner();
      try {
        await new Tenants1765200000000().down(runner);
        expect(await runner.hasTable('tenants')).toBe(false);
        expect(await rowsOfTenant(current, tables, 'default')).toEqual(Object.fromEntries(tables.map((table) => [table, table === 'audit_events' ? 3 : 2])));
        const down = await shapeOf(current, tables);
        expect(down).toEqual(before);
        // And up again, as `grantry migrate` would after a rollback.
        await new Tenants1765200000000().up(runner);
        expect(await rowsOfTenant(current, tables, 'default')).toEqual(Object.fromEntries(tables.map((table) => [table, 0])));
        expect((await shapeOf(current, tables)).shapes).toEqual(before.shapes);
      } finally {
        await runner.release();
      }
    } finally {
      for (const source of sources) if (source.isInitialized) await source.destroy();
      await db.drop();
    }
  });
});
