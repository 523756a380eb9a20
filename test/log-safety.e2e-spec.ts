import { Logger } from '@nestjs/common';
import { basic, startServer, stopServer, TestServer, tokenRequest } from './support/server';

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

  it('does not log a secret sent in the client_id position whole', async () => {
    const secret = 'q9F3xY7mK2pL8vN4rT6wZ1aB5cD0eG3hJ7kM9nP2sU4';
    await tokenRequest(server, { grant_type: 'client_credentials', client_id: secret, client_secret: 'whatever' });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(secret);
  });
});
