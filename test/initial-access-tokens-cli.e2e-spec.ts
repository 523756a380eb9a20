import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeText } from './support/certificates';
import { cli } from './support/cli';
import { freshDatabase, TestDatabase } from './support/database';
import { startServer } from './support/server';

/** `grantry initial-access-tokens create` (DESIGN.md): a token the registration endpoint takes. */
describe('grantry initial-access-tokens', () => {
  let db: TestDatabase;
  let configFile: string;

  beforeAll(async () => {
    db = freshDatabase();
    await db.prepare?.();
    const schema = db.schema ? `schema = "${db.schema}"\n` : '';
    configFile = writeText(db.dir, `deployment-${randomBytes(4).toString('hex')}.toml`, `[database]\nurl = "${db.url}"\n${schema}\n[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n`);
  });
  afterAll(() => db.drop());

  const run = (...args: string[]) => cli([...args, '--config', configFile], { TEST_MASTER_KEY: db.masterKey });

  it('creates a token as bare JSON that registers a client until its uses run out', async () => {
    const created = await run('initial-access-tokens', 'create', '--max-uses', '1', '--expires-in', '600', '--json');
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const issued = JSON.parse(created.stdout) as { initial_access_token: string; expires_at: number; max_uses: number };
    expect(issued.max_uses).toBe(1);
    expect(Math.abs(issued.expires_at - (Math.floor(Date.now() / 1000) + 600))).toBeLessThanOrEqual(5);

    const server = await startServer({}, db);
    try {
      const register = () =>
        fetch(`${server.url}/oauth2/register`, {
          method: 'POST',
          headers: { authorization: `Bearer ${issued.initial_access_token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: ['https://c.example/cb'] }),
        });
      expect((await register()).status).toBe(201);
      expect((await register()).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('lists tokens by id (never the token) and revokes one', async () => {
    const created = JSON.parse((await run('initial-access-tokens', 'create', '--max-uses', '2', '--json')).stdout) as { id: string; initial_access_token: string };
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    const listed = await run('initial-access-tokens', 'list', '--json');
    expect(listed.status).toBe(0);
    const items = JSON.parse(listed.stdout) as Record<string, unknown>[];
    expect(items.find((item) => item.id === created.id)).toEqual({ id: created.id, created_at: expect.any(Number), expires_at: expect.any(Number), max_uses: 2, uses: 0 });
    expect(listed.stdout).not.toContain(created.initial_access_token);
    expect(await run('initial-access-tokens', 'revoke', created.id)).toEqual({ status: 0, stdout: '', stderr: `revoked initial access token ${created.id}\n` });
    const after = JSON.parse((await run('initial-access-tokens', 'list', '--json')).stdout) as Record<string, unknown>[];
    expect(after.some((item) => item.id === created.id)).toBe(false);
    expect((await run('initial-access-tokens', 'revoke', created.id)).status).not.toBe(0);
  });

  it('does not create a database for list', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'grantry-iat-'));
    try {
      const config = writeText(db.dir, `ro-${randomBytes(4).toString('hex')}.toml`, `[database]\nurl = "sqlite:${empty}/data/grantry.sqlite"\n[security]\nmaster_key_file = "${empty}/data/master.key"\n`);
      const { status } = await cli(['initial-access-tokens', 'list', '--config', config], {});
      expect(status).toBe(1);
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('shows expires_at as ISO 8601 in the table', async () => {
    const { status, stdout } = await run('initial-access-tokens', 'create');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^expires_at\s+\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/m);
  });

  it('refuses a bad --max-uses as a usage error', async () => {
    const { status, stderr } = await run('initial-access-tokens', 'create', '--max-uses', 'many');
    expect(status).toBe(2);
    expect(stderr).toContain('--max-uses takes a whole number');
    expect((await run('initial-access-tokens', 'create', '--max-uses', '0')).status).toBe(2);
  });

  it('prints help with --help, exit 0, running nothing', async () => {
    for (const args of [['initial-access-tokens', '--help'], ['initial-access-tokens', 'create', '--help']]) {
      const { status, stdout } = await cli(args);
      expect({ args, status }).toEqual({ args, status: 0 });
      expect(stdout).toContain('grantry initial-access-tokens create [--expires-in SECONDS] [--max-uses N] [--json]');
    }
    expect((await cli(['--help'])).stdout).toContain('grantry initial-access-tokens create');
  });
});
