import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBuiltServer } from './support/built-server';
import { grantry } from './support/cli';
import { basic } from './support/server';

/**
 * The built server's own stdout, as an operator's log collector reads it: JSON lines written
 * asynchronously in batches, and what is still buffered written out when the process stops.
 */
describe('JSON log lines on stdout of the built server', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-log-output-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a request line and a token.issued audit event per token, all of it by the time the process exits', async () => {
    const config = join(dir, 'deployment.toml');
    writeFileSync(config, [
      '[server]\nhost = "127.0.0.1"\nport = 0',
      `[database]\nurl = "sqlite:${join(dir, 'grantry.sqlite')}"`,
      `[security]\nmaster_key = "${'B'.repeat(43)}"`,
      '[logging]\nlevel = "info"\nformat = "json"',
    ].join('\n'));
    const created = grantry(['clients', 'create', '--name', 'logs', '--grant-type', 'client_credentials', '--json', '--config', config], {}, dir);
    expect(created.status).toBe(0);
    const client = JSON.parse(created.stdout) as { client_id: string; client_secret: string };

    const server = await startBuiltServer({ script: 'dist/cli/main.js', args: ['start', '--config', config], cwd: dir });
    const tokens = 25;
    let exit: { code: number | null; signal: NodeJS.Signals | null };
    try {
      for (let i = 0; i < tokens; i++) {
        const response = await fetch(`${server.url}/oauth2/token`, {
          method: 'POST',
          headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        });
        expect(response.status).toBe(200);
      }
    } finally {
      exit = await server.stop();
    }
    // Nest's shutdown hooks close the app, then re-raise the signal.
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);

    const stdout = server.stdout();
    const records = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestLines = records.filter((record) => record.route === '/oauth2/token' && record.status === 200);
    const issued = records.filter((record) => record.audit === true && record.event === 'token.issued');
    expect(requestLines).toHaveLength(tokens);
    expect(issued).toHaveLength(tokens);
    expect(issued[0]).toMatchObject({ client_id: client.client_id, grant_type: 'client_credentials', level: 30 });
    expect(stdout).not.toContain(client.client_secret);
  }, 180_000);
});

/** `[logging] format = "pretty"`, as an operator reads it on a terminal (colour off, as NO_COLOR asks). */
describe('pretty log lines of the built server', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-log-pretty-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one line per event: the request line with its fields, an audit event named by its event', async () => {
    const config = join(dir, 'deployment.toml');
    writeFileSync(config, [
      '[server]\nhost = "127.0.0.1"\nport = 0',
      `[database]\nurl = "sqlite:${join(dir, 'grantry.sqlite')}"`,
      `[security]\nmaster_key = "${'C'.repeat(43)}"`,
      '[logging]\nlevel = "info"\nformat = "pretty"',
    ].join('\n'));
    const created = grantry(['clients', 'create', '--name', 'pretty', '--grant-type', 'client_credentials', '--json', '--config', config], {}, dir);
    expect(created.status).toBe(0);
    const client = JSON.parse(created.stdout) as { client_id: string; client_secret: string };

    const server = await startBuiltServer({ script: 'dist/cli/main.js', args: ['start', '--config', config], cwd: dir, env: { NO_COLOR: '1' } });
    try {
      const token = (secret: string) =>
        fetch(`${server.url}/oauth2/token`, {
          method: 'POST',
          headers: { authorization: basic(client.client_id, secret), 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        });
      expect((await token(client.client_secret)).status).toBe(200);
      expect((await token('wrong')).status).toBe(401);
    } finally {
      await server.stop();
    }
    const lines = server.stdout().trimEnd().split('\n');
    // Every line is an event of its own: time, level, message, fields — never a field on a line of its own.
    for (const line of lines) expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): \S/);
    const requests = lines.filter((line) => line.includes('INFO: [http] request {"method":"POST","route":"/oauth2/token"'));
    expect(requests).toHaveLength(2);
    const fields = (line: string) => JSON.parse(line.slice(line.indexOf(' {') + 1)) as Record<string, unknown>;
    expect(fields(requests[0])).toEqual({ method: 'POST', route: '/oauth2/token', status: 200, duration_ms: expect.any(Number), client_address: '127.0.0.1', client_id: client.client_id, grant_type: 'client_credentials' });
    expect(fields(requests[1])).toMatchObject({ route: '/oauth2/token', status: 401 });
    const issued = lines.filter((line) => / INFO: token\.issued \{/.test(line));
    expect(issued).toHaveLength(1);
    expect(fields(issued[0])).toMatchObject({ audit: true, client_id: client.client_id, grant_type: 'client_credentials' });
    expect(lines.filter((line) => / INFO: token\.refused \{/.test(line))).toHaveLength(1);
    expect(lines.some((line) => line.includes(`INFO: [grantry] grantry `) && line.includes(`listening on ${server.url}`))).toBe(true);
    expect(server.stdout()).not.toContain(client.client_secret);
  }, 180_000);
});
