import { DataSource } from 'typeorm';
import { IssuerContext, issuerSettingsOf } from '../src/common/issuer-context';
import { RequestContext } from '../src/common/request-context';
import { buildConfig } from '../src/config/config-loader';
import { UserSignIn } from '../src/users/user-sign-in';
import { adminToken, createClient, startServer, stopServer, TestServer } from './support/server';

type Reply = { status: number; headers: Headers; body: Record<string, unknown> };

/** Each record an administrator changes: how to make one, and two fields two administrators change apart. */
const RESOURCES = [
  {
    name: 'clients',
    create: { path: '/clients', body: { client_name: 'edited', grant_types: ['client_credentials'], scope: 'a' }, id: 'client_id' },
    first: (i: number) => ({ client_name: `name-${i}` }),
    second: (i: number) => ({ scope: `scope-${i}` }),
  },
  {
    name: 'identity-providers',
    create: { path: '/identity-providers', body: { name: 'edited', issuer: 'https://idp.example', jwks_uri: 'https://idp.example/jwks' }, id: 'id' },
    first: (i: number) => ({ alias: `https://as.example/aud-${i}` }),
    second: (i: number) => ({ claim_mappings: { [`from${i}`]: `to${i}` } }),
  },
  {
    name: 'users',
    create: { path: '/users', body: { username: 'edited', claims: { email: 'e@example.com' } }, id: 'id' },
    first: (i: number) => ({ username: `user-${i}` }),
    second: (i: number) => ({ claims: { n: i } }),
  },
] as const;

/** RFC 9110 §8.8.3: a strong entity tag — quoted etagc, no W/ prefix. */
const STRONG_ETAG = /^"[\x21\x23-\x7E]+"$/;

describe('admin API: ETag, If-Match and concurrent changes (issue 25 item 3, RFC 9110 §8.8.3, §13.1.1)', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startServer();
    token = await adminToken(server);
  });
  afterAll(() => stopServer(server));

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const response = await fetch(`${server.url}/api/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
  }

  describe.each(RESOURCES)('$name', (resource) => {
    let created = 0;
    /** A new record of this kind, and its path. */
    async function record(): Promise<string> {
      const body: Record<string, unknown> = { ...resource.create.body };
      // Names and issuers are unique per tenant.
      created++;
      for (const key of ['client_name', 'name', 'username'] as const) if (key in body) body[key] = `${body[key]}-${created}`;
      if ('issuer' in body) body.issuer = `${body.issuer}/${created}`;
      const reply = await call('POST', resource.create.path, body);
      expect(reply.status).toBe(201);
      return `${resource.create.path}/${reply.body[resource.create.id] as string}`;
    }

    it('answers GET with a strong ETag, and a PATCH with the ETag of the version it wrote, which GET then shows', async () => {
      const path = await record();
      const read = await call('GET', path);
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toMatch(STRONG_ETAG);
      expect((await call('GET', path)).headers.get('etag')).toBe(read.headers.get('etag')); // unchanged record, same tag

      const patched = await call('PATCH', path, resource.first(1), { 'if-match': read.headers.get('etag')! });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject(resource.first(1));
      expect(patched.headers.get('etag')).toMatch(STRONG_ETAG);
      expect(patched.headers.get('etag')).not.toBe(read.headers.get('etag'));
      expect((await call('GET', path)).headers.get('etag')).toBe(patched.headers.get('etag'));
    });

    it('refuses a PATCH whose If-Match names an older version with 412 and changes nothing', async () => {
      const path = await record();
      const stale = (await call('GET', path)).headers.get('etag')!;
      expect((await call('PATCH', path, resource.first(2))).status).toBe(200);
      const before = await call('GET', path);

      const refused = await call('PATCH', path, resource.second(2), { 'if-match': stale });
      expect(refused.status).toBe(412);
      expect(refused.body).toEqual({ error: 'precondition_failed', error_description: expect.any(String) });
      const after = await call('GET', path);
      expect(after.body).toEqual(before.body);
      expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    });

    it('compares strongly: a weak tag never matches, * matches any version, a list matches when one of it does, a malformed header is 400', async () => {
      const path = await record();
      const current = (await call('GET', path)).headers.get('etag')!;
      expect((await call('PATCH', path, resource.first(3), { 'if-match': `W/${current}` })).status).toBe(412);
      expect((await call('PATCH', path, resource.first(3), { 'if-match': 'not-a-tag' })).status).toBe(400);
      const listed = await call('PATCH', path, resource.first(3), { 'if-match': `"other", ${current}` });
      expect(listed.status).toBe(200);
      expect((await call('PATCH', path, resource.second(3), { 'if-match': '*' })).status).toBe(200);
      // RFC 9110 §13.2.1: a request that would fail without its preconditions fails the same with them.
      expect((await call('PATCH', `${resource.create.path}/no-such-record`, resource.first(3), { 'if-match': '*' })).status).toBe(404);
    });

    it('lets one of two concurrent PATCHes with the same If-Match through (200) and refuses the other (412)', async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const path = await record();
        const etag = (await call('GET', path)).headers.get('etag')!;
        const replies = await Promise.all([
          call('PATCH', path, resource.first(10 + attempt), { 'if-match': etag }),
          call('PATCH', path, resource.second(10 + attempt), { 'if-match': etag }),
        ]);
        expect(replies.map((reply) => reply.status).sort()).toEqual([200, 412]);
        const winner = replies.find((reply) => reply.status === 200)!;
        const stored = await call('GET', path);
        expect(stored.headers.get('etag')).toBe(winner.headers.get('etag'));
        expect(stored.body).toEqual(winner.body);
      }
    });

    it('keeps both fields of two concurrent PATCHes without If-Match that change different fields', async () => {
      const path = await record();
      for (let attempt = 0; attempt < 10; attempt++) {
        const replies = await Promise.all([call('PATCH', path, resource.first(100 + attempt)), call('PATCH', path, resource.second(100 + attempt))]);
        expect(replies.map((reply) => reply.status)).toEqual([200, 200]);
        const stored = await call('GET', path);
        expect(stored.body).toMatchObject({ ...resource.first(100 + attempt), ...resource.second(100 + attempt) });
      }
    });
  });

  it('documents the ETag of each GET and PATCH, the If-Match of each PATCH and its 412 in the OpenAPI document', async () => {
    type Operation = { parameters?: { name: string; in: string }[]; responses: Record<string, { headers?: Record<string, unknown> }> };
    const document = (await (await fetch(`${server.url}/api/admin/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    for (const path of ['/clients/{client_id}', '/identity-providers/{id}', '/users/{id}']) {
      const { get, patch } = document.paths[path];
      expect(get.responses['200'].headers).toHaveProperty('ETag');
      expect(patch.responses['200'].headers).toHaveProperty('ETag');
      expect(patch.parameters).toContainEqual(expect.objectContaining({ name: 'If-Match', in: 'header' }));
      expect(patch.responses).toHaveProperty('412');
    }
  });

  it('gives a user a new ETag when a lock-out starts, so a PATCH over the version before it is refused', async () => {
    const created = await call('POST', '/users', { username: 'locked-out' });
    const path = `/users/${created.body.id as string}`;
    const before = (await call('GET', path)).headers.get('etag')!;
    const signIn = server.app.get(UserSignIn);
    for (let failure = 0; failure < 5; failure++) await signIn.failedStep(created.body.id as string); // [users] lockout_threshold
    const locked = await call('GET', path);
    expect(locked.body.locked_until).toEqual(expect.any(Number));
    expect(locked.headers.get('etag')).not.toBe(before);
    expect((await call('PATCH', path, { claims: { late: true } }, { 'if-match': before })).status).toBe(412);
    const unlocked = await call('PATCH', path, { locked_until: null }, { 'if-match': locked.headers.get('etag')! });
    expect(unlocked.status).toBe(200);
    expect(unlocked.body.locked_until).toBeNull();
  });

  describe('client secret rotation', () => {
    it('answers with the new version\'s ETag; a PATCH over the version before the rotation is refused', async () => {
      const created = await call('POST', '/clients', { client_name: 'rotating', grant_types: ['client_credentials'] });
      const path = `/clients/${created.body.client_id as string}`;
      const before = (await call('GET', path)).headers.get('etag')!;
      const rotated = await call('POST', `${path}/secret`);
      expect(rotated.status).toBe(200);
      expect(rotated.headers.get('etag')).toMatch(STRONG_ETAG);
      expect(rotated.headers.get('etag')).not.toBe(before);
      expect((await call('GET', path)).headers.get('etag')).toBe(rotated.headers.get('etag'));
      expect((await call('PATCH', path, { client_name: 'late' }, { 'if-match': before })).status).toBe(412);
    });

    it('changes nothing of another tenant\'s client: 404, and its secret stays', async () => {
      const issuers = server.app.get(IssuerContext);
      const acme = new RequestContext('acme.example', `${server.url}/t/acme.example`, issuerSettingsOf(buildConfig({}, { env: {} })));
      const theirs = await issuers.run(acme, () => createClient(server, { client_name: 'acme app', grant_types: ['client_credentials'] }));
      const digest = async () => ((await server.app.get(DataSource).query(`SELECT secret_digest FROM clients WHERE client_id = '${theirs.client_id}'`)) as { secret_digest: string }[])[0].secret_digest;
      const stored = await digest();

      const rotated = await call('POST', `/clients/${theirs.client_id}/secret`);
      expect(rotated.status).toBe(404);
      expect((await call('PATCH', `/clients/${theirs.client_id}`, { client_name: 'taken over' })).status).toBe(404);
      expect(await digest()).toBe(stored);
    });
  });
});
