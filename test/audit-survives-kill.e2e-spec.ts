import { DataSource } from 'typeorm';
import { BuiltServer, startBuiltServer } from './support/built-server';
import { writeText } from './support/certificates';
import { cli } from './support/cli';
import { freshDatabase } from './support/database';
import { basic, startServer } from './support/server';

/**
 * Issue 25 item 4: an admin change and its audit row are one transaction, so a process killed
 * right after the change (no shutdown, no flush of anything buffered) still leaves the row —
 * which an audit event on the batched log would not survive.
 */
describe('an admin change followed by SIGKILL', () => {
  it('leaves its audit row in the database', async () => {
    const db = freshDatabase();
    let server: BuiltServer | undefined;
    try {
      await db.prepare?.();
      const schema = db.schema ? `schema = "${db.schema}"\n` : '';
      const config = writeText(db.dir, 'deployment.toml', [
        '[server]\nhost = "127.0.0.1"\nport = 0',
        `[database]\nurl = "${db.url}"\n${schema}`,
        `[security]\nmaster_key = "${db.masterKey}"`,
        '[logging]\nlevel = "info"\nformat = "json"',
      ].join('\n'));
      const created = await cli(['clients', 'create', '--name', 'admin', '--grant-type', 'client_credentials', '--scope', 'admin', '--json', '--config', config]);
      expect(created.status).toBe(0);
      const admin = JSON.parse(created.stdout) as { client_id: string; client_secret: string };

      server = await startBuiltServer({ script: 'dist/cli/main.js', args: ['start', '--config', config], cwd: db.dir });
      const granted = await fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: basic(admin.client_id, admin.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=admin',
      });
      const { access_token: token } = (await granted.json()) as { access_token: string };
      const response = await fetch(`${server.url}/api/admin/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'right-before-the-kill' }),
      });
      expect(response.status).toBe(201);
      const user = (await response.json()) as { id: string };
      // A security change too: a key rotation commits its row with the key.
      const rotation = await fetch(`${server.url}/api/admin/v1/keys/rotate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ alg: 'ES256' }),
      });
      expect(rotation.status).toBe(201);
      const key = (await rotation.json()) as { kid: string };

      // At once: no SIGTERM, nothing flushed.
      server.child.kill('SIGKILL');
      expect(await server.stop()).toMatchObject({ signal: 'SIGKILL' });

      const reopened = await startServer({}, db);
      try {
        const rows = (await reopened.app.get(DataSource).query("SELECT actor, event, target FROM audit_events WHERE event IN ('user.created', 'key.rotated') ORDER BY id")) as Record<string, unknown>[];
        expect(rows).toEqual([
          { actor: `client:${admin.client_id}`, event: 'user.created', target: user.id },
          { actor: `client:${admin.client_id}`, event: 'key.rotated', target: key.kid },
        ]);
      } finally {
        await reopened.close();
      }
    } finally {
      await server?.stop();
      await db.drop();
    }
  }, 180_000);
});
