import { DataSource } from 'typeorm';
import type { ClientView } from '../src/clients/clients.service';
import { AtomicWriter, type WriteStep } from '../src/database/atomic-writer';
import { basic, createClient, startServer, stopServer, TestServer } from './support/server';
import { createTenant, inTenant } from './support/tenants';

const D = 'wso2.com';
const TOKENS = 100;

/** What reached the database while `work` ran: every statement through TypeORM's query runners, and every write step. */
interface Counted {
  /** Statements TypeORM ran (reads on every database; on PostgreSQL and MariaDB the writes' statements too). */
  queries: string[];
  /** Steps committed through AtomicWriter, the one write path (on SQLite its writer thread runs them, outside TypeORM). */
  writes: string[];
}

/**
 * Issue 26 acceptance: a tenant's tokens cost no database work beyond the default tenant's. The
 * 2nd to 100th client_credentials token of one client (JWT, client_secret_basic, no jti
 * to record) are counted at `/t/{domain}/oauth2/token` and at the default `/oauth2/token`: the
 * first request warms the caches (client, tenant directory, key ring), the rest are counted.
 */
describe('database work of a tenant\'s tokens', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
    await createTenant(server, D);
  });
  afterAll(() => stopServer(server));

  /** Runs `work`, counting the statements TypeORM's logger is told of and the steps the writer commits. */
  async function count(work: () => Promise<void>): Promise<Counted> {
    const counted: Counted = { queries: [], writes: [] };
    const logger = server.app.get(DataSource).logger;
    const writer = server.app.get(AtomicWriter);
    const logQuery = logger.logQuery;
    const commit = writer.commit;
    logger.logQuery = function (query, parameters, runner) {
      counted.queries.push(query);
      return logQuery.call(this, query, parameters, runner);
    };
    writer.commit = function (steps: readonly WriteStep[]) {
      counted.writes.push(...steps.map((step) => step.sql));
      return commit.call(this, steps);
    };
    try {
      await work();
    } finally {
      logger.logQuery = logQuery;
      writer.commit = commit;
    }
    return counted;
  }

  async function tokens(url: string, client: ClientView): Promise<Counted> {
    const one = async () => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.client_id, client.client_secret!) },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    };
    await one();
    return count(async () => {
      for (let i = 2; i <= TOKENS; i++) await one();
    });
  }

  it('runs no statement for the 2nd to 100th token of a tenant client, as for the default tenant\'s', async () => {
    const metadata = { client_name: 'service', grant_types: ['client_credentials'], scope: 'orders:read' };
    const home = await createClient(server, metadata);
    const tenant = await inTenant(server, D, () => createClient(server, metadata));

    const atDefault = await tokens(`${server.url}/oauth2/token`, home);
    const atTenant = await tokens(`${server.url}/t/${D}/oauth2/token`, tenant);
    // The seed's form resolves the tenant the same way.
    const atTenantBySeedForm = await tokens(`${server.url}/oauth2/token?tenantDomain=${D}`, tenant);

    // What the default tenant does (measured: nothing), the tenant does too — by either form.
    expect(atDefault).toEqual({ queries: [], writes: [] });
    expect(atTenant).toEqual(atDefault);
    expect(atTenantBySeedForm).toEqual(atDefault);
  });

  it('counts what it should: a client read the first time, and tokens that are stored (opaque), the same at the tenant as at the default', async () => {
    // The counter's own checks. A client not yet cached is read: at least one SELECT of clients.
    const fresh = await inTenant(server, D, () => createClient(server, { client_name: 'fresh', grant_types: ['client_credentials'] }));
    const first = await count(async () => {
      const response = await fetch(`${server.url}/t/${D}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(fresh.client_id, fresh.client_secret!) },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      expect(response.status).toBe(200);
    });
    expect(first.queries.some((sql) => /^\s*SELECT[\s\S]*\bclients\b/i.test(sql))).toBe(true);
    // An opaque token is stored: one INSERT each.
    const metadata = { client_name: 'opaque service', grant_types: ['client_credentials'], access_token_format: 'opaque' };
    const home = await createClient(server, metadata);
    const tenant = await inTenant(server, D, () => createClient(server, metadata));
    const atDefault = await tokens(`${server.url}/oauth2/token`, home);
    const atTenant = await tokens(`${server.url}/t/${D}/oauth2/token`, tenant);
    expect(atDefault.writes).toHaveLength(TOKENS - 1);
    expect(atDefault.writes.every((sql) => /^\s*INSERT INTO access_tokens/.test(sql))).toBe(true);
    expect(atTenant.writes).toEqual(atDefault.writes);
    expect(atTenant.queries.length).toBe(atDefault.queries.length);
  });
});
