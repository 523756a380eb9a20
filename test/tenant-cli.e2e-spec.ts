import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TENANT } from '../src/common/request-context';
import { writeText } from './support/certificates';
import { cli, cliAt } from './support/cli';
import { freshDatabase, TestDatabase } from './support/database';
import { basic, startServer, TestServer } from './support/server';

const A = 'a.example';

/** `--tenant DOMAIN` on every command (issue 26 item 5): the command works in that tenant, and only in one that is there and enabled. */
describe('grantry --tenant', () => {
  let db: TestDatabase;
  let configFile: string;
  const env = () => ({ TEST_MASTER_KEY: db.masterKey });

  beforeAll(async () => {
    db = freshDatabase();
    await db.prepare?.();
    const schema = db.schema ? `schema = "${db.schema}"\n` : '';
    configFile = writeText(db.dir, 'deployment.toml', `[database]\nurl = "${db.url}"\n${schema}\n[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n`);
    for (const domain of [A, 'off.example']) expect((await run('tenants', 'create', domain)).status).toBe(0);
    expect((await run('tenants', 'disable', 'off.example')).status).toBe(0);
  });
  afterAll(() => db.drop());

  const { run, json } = cliAt(() => configFile, env);

  it('creates, lists and shows a client in the tenant it names, and only there', async () => {
    const created = await json('clients', 'create', '--name', 'a service', '--tenant', A);
    expect((await json('clients', 'list', `--tenant=${A}`)).map((client: { client_id: string }) => client.client_id)).toEqual([created.client_id]);
    expect((await json('clients', 'show', created.client_id, '--tenant', A)).client_name).toBe('a service');
    expect(await json('clients', 'list')).toEqual([]);
    expect(await run('clients', 'show', created.client_id)).toEqual({ status: 1, stdout: '', stderr: `grantry: not_found: no client with client_id ${created.client_id}\n` });

    // The tenant's keys and audit trail are its own.
    // (The tenant's first key came with it; the default tenant's comes with the first server start.)
    const [tenantKey] = await json('keys', 'list', '--tenant', A);
    expect(tenantKey).toMatchObject({ status: 'active' });
    expect((await json('keys', 'list')).map((key: { kid: string }) => key.kid)).not.toContain(tenantKey.kid);
    expect(await json('audit', 'list', '--tenant', A, '--event', 'client.created')).toEqual([expect.objectContaining({ tenant: A, client_id: created.client_id })]);
    expect(await json('audit', 'list', '--event', 'client.created')).toEqual([]);

    // A server on the same database issues to it under /t/{domain} only.
    let server: TestServer | undefined;
    try {
      server = await startServer({}, db);
      const issue = (prefix: string) =>
        fetch(`${server!.url}${prefix}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(created.client_id, created.client_secret) },
          body: new URLSearchParams({ grant_type: 'client_credentials' }),
        });
      expect((await issue(`/t/${A}`)).status).toBe(200);
      expect((await issue('')).status).toBe(401);
    } finally {
      await server?.close();
    }
  });

  it('makes a super-admin of the default tenant only', async () => {
    const root = await json('clients', 'create', '--name', 'root', '--scope', 'admin', '--super-admin');
    expect(root.super_admin).toBe(true);
    expect((await json('clients', 'update', root.client_id, '--no-super-admin')).super_admin).toBe(false);
    expect(await run('clients', 'create', '--name', 'a root', '--scope', 'admin', '--super-admin', '--tenant', A)).toEqual({
      status: 1, stdout: '', stderr: `grantry: invalid_client_metadata: super_admin is only for clients of the default tenant ${DEFAULT_TENANT}\n`,
    });
  });

  it('refuses an unknown or disabled tenant with one line and exit 1, touching nothing', async () => {
    expect(await run('clients', 'list', '--tenant', 'nope.example')).toEqual({ status: 1, stdout: '', stderr: 'grantry: tenant "nope.example" does not exist (grantry tenants list shows the tenants)\n' });
    expect(await run('clients', 'create', '--name', 'x', '--tenant', 'off.example')).toEqual({ status: 1, stdout: '', stderr: 'grantry: tenant "off.example" is disabled (grantry tenants enable off.example)\n' });
    expect(await json('clients', 'list')).toEqual([expect.objectContaining({ client_name: 'root' })]);
  });

  it('refuses --tenant where it means nothing, and --tenant without a domain (exit 2)', async () => {
    expect(await run('migrate', '--tenant', A)).toEqual({ status: 2, stdout: '', stderr: 'grantry: migrate is about the server and its tenants, not one tenant: it takes no --tenant\n' });
    expect(await run('tenants', 'list', '--tenant', A)).toEqual({ status: 2, stdout: '', stderr: 'grantry: tenants is about the server and its tenants, not one tenant: it takes no --tenant\n' });
    expect((await run('clients', 'list', '--tenant')).status).toBe(2);
    expect((await run('clients', 'list', '--tenant', '--json')).stderr).toBe('grantry: --tenant takes a tenant domain (grantry tenants list shows them)\n');
  });

  it('says so in the help of every command that takes it', async () => {
    for (const command of ['clients', 'idps', 'users', 'keys', 'certs', 'initial-access-tokens', 'audit']) {
      const help = await cli([command, '--help']);
      expect({ command, status: help.status }).toEqual({ command, status: 0 });
      expect(help.stdout).toContain(`--tenant DOMAIN: the tenant the command works in (default: the default tenant ${DEFAULT_TENANT})`);
    }
    expect((await cli(['--help'])).stdout).toContain('usage: grantry <command> [--config PATH] [--tenant DOMAIN]');
  });

  it('reads with --tenant on a missing database without creating one or a master key', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'grantry-readonly-'));
    try {
      const config = writeText(empty, 'ro.toml', `[database]\nurl = "sqlite:${empty}/data/grantry.sqlite"\n[security]\nmaster_key_file = "${empty}/data/master.key"\n`);
      expect(await cli(['clients', 'list', '--tenant', A, '--config', config])).toEqual({
        status: 1, stdout: '', stderr: `grantry: no database at ${empty}/data/grantry.sqlite — pass --config or run from the deployment directory\n`,
      });
      expect(readdirSync(empty)).toEqual(['ro.toml']);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
