import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withCliContext } from '../src/cli/cli-context';
import { TenantDirectory } from '../src/common/tenant-directory';
import { loadConfig } from '../src/config/config-loader';
import { writeText } from './support/certificates';
import { cli, cliAt } from './support/cli';
import { freshDatabase, TestDatabase } from './support/database';

/** `grantry tenants ...` (issue 26 item 1): the admin API's validation and refusals, as an operator sees them. */
describe('grantry tenants', () => {
  let db: TestDatabase;
  let configFile: string;
  const env = () => ({ TEST_MASTER_KEY: db.masterKey });

  beforeAll(async () => {
    db = freshDatabase();
    await db.prepare?.();
    const schema = db.schema ? `schema = "${db.schema}"\n` : '';
    configFile = writeText(db.dir, 'deployment.toml', `[database]\nurl = "${db.url}"\n${schema}\n[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n\n[oauth.token]\nsigning_alg = "PS256"\n`);
  });
  afterAll(() => db.drop());

  const { run, json } = cliAt(() => configFile, env);

  it('creates, shows, lists, updates, disables, enables and deletes a tenant', async () => {
    const created = await json('tenants', 'create', 'wso2.com', '--display-name', 'WSO2');
    expect(created).toEqual({ domain: 'wso2.com', display_name: 'WSO2', enabled: true, settings: {}, default: false, created_at: expect.any(Number) });
    expect(await json('keys', 'list')).toHaveLength(0); // the default tenant's keys: the CLI generated none, and the tenant's are its own
    expect(await json('tenants', 'show', 'wso2.com')).toEqual(created);
    expect((await json('tenants', 'list')).map((tenant: { domain: string }) => tenant.domain)).toEqual(['carbon.super', 'wso2.com']);
    expect((await run('tenants', 'list')).stdout).toMatch(/^DOMAIN\s+DISPLAY_NAME\s+ENABLED\s+DEFAULT\s+CREATED_AT\ncarbon\.super\s/);

    expect((await json('tenants', 'update', 'wso2.com', '--display-name', 'WSO2 Inc.')).display_name).toBe('WSO2 Inc.');
    expect((await json('tenants', 'disable', 'wso2.com')).enabled).toBe(false);
    expect((await json('tenants', 'enable', 'wso2.com')).enabled).toBe(true);

    expect(await run('tenants', 'delete', 'wso2.com')).toEqual({ status: 2, stdout: '', stderr: 'grantry: deleting tenant wso2.com deletes every record of it; add --yes to confirm\n' });
    expect((await run('tenants', 'show', 'wso2.com')).status).toBe(0);
    expect(await run('tenants', 'delete', 'wso2.com', '--yes')).toEqual({ status: 0, stdout: '', stderr: 'deleted tenant wso2.com\n' });
    expect(await run('tenants', 'show', 'wso2.com')).toEqual({ status: 1, stdout: '', stderr: 'grantry: not_found: no tenant with domain wso2.com\n' });

    const trail = await json('audit', 'list', '--event', 'tenant.created');
    expect(trail[0]).toMatchObject({ tenant: 'carbon.super', target: 'wso2.com', actor: expect.stringMatching(/^operator:/), details: { alg: 'PS256' } });
  });

  it('refuses what the admin API refuses, with its reasons', async () => {
    expect(await run('tenants', 'create', 'WSO2.com')).toEqual({ status: 1, stdout: '', stderr: 'grantry: invalid_request: domain must be lower case\n' });
    expect(await run('tenants', 'create', `${'a'.repeat(64)}`)).toEqual({ status: 1, stdout: '', stderr: 'grantry: invalid_request: each label of domain must be at most 63 characters\n' });
    expect(await run('tenants', 'create', 'carbon.super')).toEqual({ status: 1, stdout: '', stderr: 'grantry: conflict: a tenant with domain carbon.super exists\n' });
    expect((await run('tenants', 'delete', 'carbon.super', '--yes')).stderr).toBe(
      "grantry: conflict: the default tenant carbon.super cannot be deleted: it serves the deployment's own URLs and its administrators\n",
    );
    expect((await run('tenants', 'disable', 'carbon.super')).stderr).toBe(
      "grantry: conflict: the default tenant carbon.super cannot be disabled: it serves the deployment's own URLs and its administrators\n",
    );
    expect((await run('tenants', 'update', 'carbon.super')).status).toBe(2);
    expect((await run('tenants', 'create')).status).toBe(2);
    expect((await run('tenants', 'frobnicate')).status).toBe(2);
  });

  it('gives the CLI application the tenant directory the request context reads', async () => {
    expect((await run('tenants', 'create', 'cli.example')).status).toBe(0);
    const config = loadConfig(configFile, env());
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: env() };
    const found = await withCliContext(config, io, (app) => app.get(TenantDirectory).find('cli.example'));
    expect(found).toEqual({ domain: 'cli.example', enabled: true, version: 1, settings: {} });
  });

  it('prints --help of tenants and its subcommands with exit 0, running nothing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'grantry-help-'));
    try {
      for (const args of [['tenants', '--help'], ['tenants', 'create', '--help'], ['tenants', 'delete', 'wso2.com', '-h']]) {
        const { status, stdout, stderr } = await cli([...args, '--config', join(empty, 'none.toml')]);
        expect({ args, status, stderr }).toEqual({ args, status: 0, stderr: '' });
        expect(stdout).toMatch(/^usage:\ngrantry tenants create DOMAIN/);
      }
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('lists and shows on a missing database without creating one or a master key', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'grantry-readonly-'));
    try {
      const config = writeText(empty, 'ro.toml', `[database]\nurl = "sqlite:${empty}/data/grantry.sqlite"\n[security]\nmaster_key_file = "${empty}/data/master.key"\n`);
      for (const args of [['tenants', 'list'], ['tenants', 'show', 'wso2.com']]) {
        expect({ args, ...(await cli([...args, '--config', config])) }).toEqual({
          args, status: 1, stdout: '', stderr: `grantry: no database at ${empty}/data/grantry.sqlite — pass --config or run from the deployment directory\n`,
        });
      }
      expect(readdirSync(empty)).toEqual(['ro.toml']);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
