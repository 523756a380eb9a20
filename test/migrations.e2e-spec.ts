import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { MIGRATIONS } from '../src/database/migrations';
import { runMigrations } from '../src/database/migrator';
import { freshDatabase } from './support/database';
import { startServer, tokenRequest } from './support/server';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest('base64url');

describe('migration to grant records', () => {
  it('turns each refresh-token family of an existing database into a grant: live tokens still rotate, reuse still ends the grant', async () => {
    const db = freshDatabase();
    let old: DataSource | undefined;
    try {
      // A database as the previous release left it, with a public client and a family of two
      // refresh tokens, the first already rotated.
      const previousRelease = MIGRATIONS.slice(0, MIGRATIONS.findIndex((migration) => migration.name === 'GrantRecords1764300000000'));
      await db.prepare?.();
      old = new DataSource({ ...dataSourceOptions({ url: db.url, schema: db.schema, migrate: true, pool_size: 2, sqlite_synchronous: 'full' }), migrations: previousRelease });
      await old.initialize();
      const quiet = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined); // "applied ..." lines
      try {
        await runMigrations(old, db.schema);
      } finally {
        quiet.mockRestore();
      }
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
