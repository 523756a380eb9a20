import { Writable } from 'node:stream';
import { DEFAULT_TENANT } from '../src/common/request-context';
import { adminCall } from './support/admin-api';
import { adminToken, basic, startServer, stopServer, TestServer } from './support/server';

const A = 'a.example';

/** Metrics and audit lines carry the tenant (issue 26 item 5): the label from a closed set (tenant-labels.spec.ts). */
describe('token metrics and audit lines by tenant', () => {
  let server: TestServer;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    server = await startServer({ logging: { level: 'info', format: 'json' } }, undefined, { logStream });
  });
  afterAll(() => stopServer(server));

  const token = (prefix: string, clientId: string, secret: string) =>
    fetch(`${server.url}${prefix}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, secret) },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });

  it('labels token requests and failures with the tenant; the default tenant keeps its own series', async () => {
    const superToken = await adminToken(server, { superAdmin: true });
    expect((await adminCall(server.url, superToken, 'POST', '/tenants', { domain: A })).status).toBe(201);
    const inA = await adminCall(server.url, superToken, 'POST', `/clients?tenantDomain=${A}`, { client_name: 'a service' });
    const inDefault = await adminCall(server.url, superToken, 'POST', '/clients', { client_name: 'default service' });
    expect((await token(`/t/${A}`, inA.body.client_id, inA.body.client_secret)).status).toBe(200);
    expect((await token(`/t/${A}`, inA.body.client_id, inA.body.client_secret)).status).toBe(200);
    expect((await token(`/t/${A}`, inA.body.client_id, 'wrong')).status).toBe(401);
    expect((await token('', inDefault.body.client_id, inDefault.body.client_secret)).status).toBe(200);

    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (series: string) => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1]);
    expect(value(`grantry_token_requests_total{grant_type="client_credentials",auth_method="client_secret_basic",outcome="issued",tenant="${A}"}`)).toBe(2);
    expect(value(`grantry_token_requests_total{grant_type="client_credentials",auth_method="client_secret_basic",outcome="refused",tenant="${A}"}`)).toBe(1);
    expect(value(`grantry_token_failures_total{reason="client_secret_mismatch",tenant="${A}"}`)).toBe(1);
    // The super-admin's own admin token and the default service's: the default tenant's series.
    expect(value(`grantry_token_requests_total{grant_type="client_credentials",auth_method="client_secret_basic",outcome="issued",tenant="${DEFAULT_TENANT}"}`)).toBe(2);
    expect(text).not.toMatch(new RegExp(`grantry_token_failures_total\\{reason="client_secret_mismatch",tenant="${DEFAULT_TENANT}"\\}`));

    // The audit lines name the tenant too: token events, and the admin change a super-admin made in A.
    const audit = lines.filter((line) => line.audit === true);
    expect(audit.filter((line) => line.event === 'token.issued' && line.tenant === A).map((line) => line.client_id)).toEqual([inA.body.client_id, inA.body.client_id]);
    expect(audit.filter((line) => line.event === 'token.refused').map(({ tenant, client_id }) => ({ tenant, client_id }))).toEqual([{ tenant: A, client_id: undefined }]);
    expect(audit.find((line) => line.event === 'admin.change' && line.id === inA.body.client_id)).toMatchObject({ tenant: A, admin_tenant: DEFAULT_TENANT, resource: 'clients' });
  });
});
