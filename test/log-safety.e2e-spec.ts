import { Logger } from '@nestjs/common';
import { keyPair, signAssertion } from './support/assertions';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

/** What attackers send ends up in logs: it must neither forge lines nor leave a secret whole. */
describe('log lines from attacker-supplied values', () => {
  let server: TestServer;
  let lines: string[];
  let spies: jest.SpyInstance[];
  beforeAll(async () => {
    server = await startServer();
  });
  beforeEach(() => {
    lines = [];
    spies = (['debug', 'log', 'warn', 'error'] as const).map((level) =>
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))),
    );
  });
  afterEach(() => spies.forEach((spy) => spy.mockRestore()));
  afterAll(() => stopServer(server));

  it('keeps an injected newline in client_id on one line', async () => {
    const { status } = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic('evil\n2026-11-28 INFO admin login ok', 'x') });
    expect(status).toBe(401);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toMatch(/[\r\n]/);
    expect(lines.join()).toContain('evil\\n20');
  });

  describe('caps every attacker-supplied value at 256 characters', () => {
    const longest = (run: string) => Math.max(0, ...lines.map((line) => Math.max(0, ...(line.match(new RegExp(`${run}+`, 'g')) ?? []).map((match) => match.length))));

    it('an unknown assertion iss of 5 KB (jwt-bearer)', async () => {
      const grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
      const client = await createClient(server, { grant_types: [grant] });
      const iss = `https://${'a'.repeat(5000)}.example`;
      const assertion = await signAssertion(await keyPair('ES256'), { iss, sub: 'someone', aud: `${server.url}/oauth2/token` });
      const { status, body } = await tokenRequest(server, { grant_type: grant, assertion }, { authorization: basic(client.client_id, client.client_secret!) });
      expect({ status, body }).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'the assertion is not valid' } });
      const refusals = lines.filter((line) => line.includes('(assertion_issuer_unknown)'));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatch(/assertion issuer https:\/\/a+…\(5016 chars\) is not a trusted identity provider$/);
      expect(longest('a')).toBeLessThanOrEqual(256);
    });

    it('a 5 KB scope echoed in an error description', async () => {
      const client = await createClient(server, { grant_types: ['client_credentials'], scope: 'read' });
      const { status, body } = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'b'.repeat(5000) }, { authorization: basic(client.client_id, client.client_secret!) });
      expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid_scope' });
      expect(lines.some((line) => line.includes('invalid_scope'))).toBe(true);
      expect(longest('b')).toBeLessThanOrEqual(256);
    });

    it('a 5 KB request path', async () => {
      const response = await fetch(`${server.url}/${'c'.repeat(5000)}`);
      expect(response.status).toBe(404);
      expect(lines.some((line) => line.includes(': 404 '))).toBe(true);
      expect(longest('c')).toBeLessThanOrEqual(256);
    });
  });

  it('does not log a secret sent in the client_id position whole', async () => {
    const secret = 'q9F3xY7mK2pL8vN4rT6wZ1aB5cD0eG3hJ7kM9nP2sU4';
    await tokenRequest(server, { grant_type: 'client_credentials', client_id: secret, client_secret: 'whatever' });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(secret);
  });
});

/**
 * The request line and the token audit lines are written by template (JsonLineWriter), past pino's
 * redaction, and admin.change through pino: what reaches the log stream itself must hold up too.
 */
describe('the request and audit lines on the log stream', () => {
  const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
  let server: TestServer;
  let written = '';
  beforeAll(async () => {
    server = await startServer({}, undefined, { logStream: { write: (line: string) => void (written += line) } });
  });
  afterAll(() => stopServer(server));

  it('writes one JSON object per line, never a secret, token or assertion, and no attacker-supplied run over 256 characters', async () => {
    const client = await createClient(server, { grant_types: ['client_credentials', JWT_BEARER], scope: 'read' });
    const auth = { authorization: basic(client.client_id, client.client_secret!) };
    const issued = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'read' }, auth);
    expect(issued.status).toBe(200);
    expect((await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, 'wrong') })).status).toBe(401);
    expect((await tokenRequest(server, { grant_type: 'client_credentials', scope: 'b'.repeat(5000) }, auth)).status).toBe(400);
    expect((await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic('evil\n{"level":30,"msg":"forged"}', 'x') })).status).toBe(401);
    const secretAsId = 'q9F3xY7mK2pL8vN4rT6wZ1aB5cD0eG3hJ7kM9nP2sU4';
    await tokenRequest(server, { grant_type: 'client_credentials', client_id: secretAsId, client_secret: 'whatever' });
    const assertion = await signAssertion(await keyPair('ES256'), { iss: 'https://unknown.example', sub: 'someone', aud: `${server.url}/oauth2/token` });
    expect((await tokenRequest(server, { grant_type: JWT_BEARER, assertion }, auth)).status).toBe(400);
    expect((await fetch(`${server.url}/${'c'.repeat(5000)}`)).status).toBe(404);
    const admin = await adminToken(server);
    const rotated = await fetch(`${server.url}/api/admin/v1/clients/${client.client_id}/secret`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    const { client_secret: newSecret } = (await rotated.json()) as { client_secret: string };
    await new Promise((resolve) => setTimeout(resolve, 100)); // a request line is written just after its answer

    expect(written.endsWith('\n')).toBe(true);
    const records = written.slice(0, -1).split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = records.filter((record) => record.msg === 'request');
    expect(requests.filter((record) => record.route === '/oauth2/token')).toHaveLength(7);
    expect(requests.some((record) => record.route === 'unmatched' && record.status === 404)).toBe(true);
    const events = new Set(records.filter((record) => record.audit === true).map((record) => record.event));
    expect(events).toEqual(new Set(['token.issued', 'token.refused', 'admin.change']));
    for (const secret of [client.client_secret!, newSecret, issued.body.access_token as string, admin, assertion, secretAsId]) expect(written).not.toContain(secret);
    expect(written).not.toContain('"msg":"forged"');
    for (const run of ['b', 'c']) expect(Math.max(...(written.match(new RegExp(`${run}{257,}`, 'g')) ?? ['']).map((match) => match.length))).toBeLessThanOrEqual(256);
  });
});
